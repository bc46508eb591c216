"""Front office: thin views over selectors and rules."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
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


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    spaces, components = [], []
    if query:
        spaces = list(selectors.search_spaces(request.user, request.organisation, query))
        visible = selectors.visible_spaces(request.user, request.organisation)
        candidates = [c for c in Component.objects.filter(space__in=visible, is_published=True)
                      .select_related("space")]
        for component_type in registry.all_types():
            if component_type.search:
                found = component_type.search(
                    [c for c in candidates if c.kind == component_type.key], query)
                components.extend(found)
    return render(request, "web/search.html",
                  {"search_query": query, "spaces": spaces, "components": components})


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
