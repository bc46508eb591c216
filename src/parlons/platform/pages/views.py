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


def search_pages(components, query: str, *, limit: int | None = None) -> list:
    """Page components among ``components`` whose title or text contains ``query``: at most
    ``limit`` (no bound when ``None``), with one query that stops there."""
    candidates = [c for c in components if c.kind == "page"]
    hits = set(PageContent.objects.filter(component_id__in=[c.pk for c in candidates])
               .filter(Q(body__icontains=query) | Q(component__title__icontains=query))
               .order_by("component__position", "component_id")
               .values_list("component_id", flat=True)[:limit])
    return [c for c in candidates if c.pk in hits]
