"""Front office: thin views over selectors and rules."""

from __future__ import annotations

import unicodedata

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from parlons.platform.spaces import registry, rules, selectors
from parlons.platform.spaces.models import Component, SpaceKind


@require_GET
def home(request):
    spaces = list(selectors.space_list(request.user, request.organisation))
    for space in spaces:
        space.current = selectors.current_phase(space)
    today = selectors.today()
    processes = [s for s in spaces if s.kind == SpaceKind.PROCESS]
    current = [s for s in processes if s.end_date is None or s.end_date >= today]
    finished = [s for s in processes if s.end_date is not None and s.end_date < today]
    bodies = [s for s in spaces if s.kind == SpaceKind.BODY]
    return render(request, "web/home.html",
                  {"processes": current, "finished": finished, "bodies": bodies})


@require_GET
@cache_control(max_age=300)
def theme_css(request):
    org = request.organisation
    css = f":root {{ --primary: {org.primary_colour}; --accent: {org.accent_colour}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_GET
def space_list(request):
    spaces = list(selectors.space_list(request.user, request.organisation))
    for space in spaces:
        space.current = selectors.current_phase(space)
    return render(request, "web/space_list.html", {"spaces": spaces})


def _space_context(request, slug, *, taxonomy: bool = True):
    space = selectors.get_space(request.organisation, slug, taxonomy=taxonomy)
    if not rules.can_view_space(request.user, space):
        raise Http404
    current = selectors.current_phase(space)
    phases = [(phase, selectors.phase_status(phase, current)) for phase in space.phases.all()]
    components = [c for c in space.components.all() if rules.can_view_component(request.user, c)]
    return {"space": space, "current_phase": current, "phases": phases,
            "components": components, "can_manage": rules.can_manage_space(request.user, space)}


@require_GET
def space_detail(request, slug):
    context = _space_context(request, slug)
    context["panels"] = registry.render_panels(request, context["space"])
    return render(request, "web/space_detail.html", context)


def component_detail(request, slug, component_id):
    # The component, its space, phases and steps are read once here (prefetched) and shared
    # with the component's view: rules reuse them instead of querying again.
    context = _space_context(request, slug, taxonomy=False)
    component = selectors.get_component(context["space"], component_id)
    if not rules.can_view_component(request.user, component):
        raise Http404
    component_type = registry.get(component.kind)
    if component_type is None or component_type.view is None:
        raise Http404
    actions = selectors.allowed_actions(component, context["current_phase"])
    context.update({"component": component, "component_type": component_type,
                    "allowed_actions": actions})
    return component_type.view(request, component, context)


SEARCH_LIMIT = 20
"""Results shown per kind (spaces, then each component type). One more is read to tell that
there are more: the search never counts every match, whatever the size of the site."""
SEARCH_MAX_LENGTH = 200


def _search_query(request) -> tuple[str, str]:
    """The words of ``?q=`` (control characters dropped, spaces collapsed) and, when they
    cannot be searched, why (translated); ``("", "")`` when no search was asked for."""
    raw = request.GET.get("q")
    if raw is None:
        return "", ""
    query = " ".join("".join(ch if unicodedata.category(ch) != "Cc" else " "
                             for ch in raw).split())
    if not query:
        return "", gettext("Type one or more words to search for.")
    if len(query) > SEARCH_MAX_LENGTH:
        return query, gettext("Your search is too long: use at most %(limit)s characters.") % {
            "limit": SEARCH_MAX_LENGTH}
    return query, ""


def _search_section(title, kind: str, found: list) -> dict:
    return {"title": title, "kind": kind, "items": found[:SEARCH_LIMIT],
            "more": len(found) > SEARCH_LIMIT}


@require_GET
def search(request):
    """Spaces and published components matching the words, among those the visitor may see.

    Each kind reads at most ``SEARCH_LIMIT + 1`` rows (one bounded query per kind); the page
    says "more than" when a kind has more."""
    query, error = _search_query(request)
    sections: list[dict] = []
    if query and not error:
        bound = SEARCH_LIMIT + 1
        spaces = list(selectors.search_spaces(request.user, request.organisation, query)[:bound])
        sections.append(_search_section(gettext("Participatory spaces"), "spaces", spaces))
        visible = selectors.visible_spaces(request.user, request.organisation)
        by_kind: dict[str, list[Component]] = {}
        for component in (Component.objects.filter(space__in=visible, is_published=True)
                          .select_related("space")):
            by_kind.setdefault(component.kind, []).append(component)
        for component_type in registry.all_types():
            of_kind = by_kind.get(component_type.key)
            if component_type.search and of_kind:
                found = list(component_type.search(of_kind, query, limit=bound))[:bound]
                sections.append(_search_section(component_type.name, "components", found))
    sections = [s for s in sections if s["items"]]
    return render(request, "web/search.html", {
        "search_query": query, "search_error": error, "sections": sections,
        "total": sum(len(s["items"]) for s in sections),
        "more": any(s["more"] for s in sections), "limit": SEARCH_LIMIT,
        "max_length": SEARCH_MAX_LENGTH}, status=400 if error and query else 200)


@require_GET
def sitemap(request):
    spaces = list(selectors.space_list(request.user, request.organisation)
                  .prefetch_related("components"))
    return render(request, "web/sitemap.html", {"spaces": spaces})


@require_GET
def sitemap_xml(request):
    from django.contrib.auth.models import AnonymousUser

    spaces = selectors.space_list(AnonymousUser(), request.organisation)
    urls = [request.build_absolute_uri(reverse("web:home"))]
    urls += [request.build_absolute_uri(reverse("web:space_detail", args=[s.slug]))
             for s in spaces]
    body = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>')
    return HttpResponse(xml, content_type="application/xml")


@require_GET
def accessibility(request):
    return render(request, "web/accessibility.html")


LEGAL_PAGES = {
    "legal-notice": ("legal_notice", gettext_lazy("Legal notice")),
    "privacy": ("privacy_policy", gettext_lazy("Personal data")),
    "terms": ("terms_of_use", gettext_lazy("Terms of use")),
}


@require_GET
def legal(request, page):
    if page not in LEGAL_PAGES:
        raise Http404
    field, title = LEGAL_PAGES[page]
    return render(request, "web/legal.html",
                  {"title": title, "body": getattr(request.organisation, field)})
