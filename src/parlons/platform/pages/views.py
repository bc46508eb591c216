"""Views of the page component (called through the component registry)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parlons.platform.pages import services
from parlons.platform.pages.forms import PageForm
from parlons.platform.pages.models import PageContent


def page_component(request, component, context):
    content = PageContent.objects.filter(component=component).first()
    return render(request, "pages/page.html", {**context, "content": content})


def manage_page(request, component, context):
    content = PageContent.objects.filter(component=component).first()
    form = PageForm(request.POST or None, initial={"body": content.body if content else ""})
    if request.method == "POST" and form.is_valid():
        services.update_page(actor=request.user, component=component,
                             body=form.cleaned_data["body"])
        messages.success(request, _("The page was saved."))
        return redirect(request.path)
    return render(request, "pages/manage.html", {**context, "form": form})


def search_pages(components, query: str):
    """Page components among ``components`` whose title or text contains ``query``."""
    ids = [c.pk for c in components if c.kind == "page"]
    matches = PageContent.objects.filter(component_id__in=ids).filter(
        Q(body__icontains=query) | Q(component__title__icontains=query))
    return [m.component for m in matches.select_related("component__space")]
