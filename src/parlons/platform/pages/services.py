from django.core.exceptions import PermissionDenied
from django.db import transaction

from parlons.platform.common.html import sanitize_html
from parlons.platform.pages.models import PageContent
from parlons.platform.spaces import rules
from parlons.platform.spaces.models import Component


@transaction.atomic
def update_page(*, actor, component: Component, body: str) -> PageContent:
    if not rules.can_manage_space(actor, component.space) or component.kind != "page":
        raise PermissionDenied
    content, _created = PageContent.objects.update_or_create(
        component=component, defaults={"body": sanitize_html(body)})
    return content
