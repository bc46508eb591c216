"""Language switcher: Django's set_language, plus the person's saved preference."""

from __future__ import annotations

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    organisation = getattr(request, "organisation", None)
    allowed = organisation.languages if organisation else [c for c, _ in settings.LANGUAGES]
    response = django_set_language(request)
    if language in allowed and request.user.is_authenticated and request.user.language != language:
        type(request.user).objects.filter(pk=request.user.pk).update(language=language)
    return response
