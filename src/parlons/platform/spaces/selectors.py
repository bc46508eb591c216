"""Reads of spaces, phases and components, always scoped to one organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from parlons.platform.accounts.selectors import user_roles
from parlons.platform.common import localcache
from parlons.platform.organisations.models import Organisation
from parlons.platform.organisations.rules import is_organisation_admin
from parlons.platform.spaces.models import Component, Phase, Space, SpaceRole, Visibility


def today() -> dt.date:
    return timezone.localdate()


def current_phase(space: Space, on: dt.date | None = None) -> Phase | None:
    """The forced phase if an admin set one, else the phase whose dates contain ``on``."""
    if space.forced_phase_id:
        return space.forced_phase
    on = on or today()
    phases = list(space.phases.all())
    for phase in phases:
        if phase.start_date <= on <= phase.end_date:
            return phase
    return None


def phase_status(phase: Phase, current: Phase | None, on: dt.date | None = None) -> str:
    """'current', 'past' or 'upcoming', for the timeline."""
    on = on or today()
    if current is not None and phase.pk == current.pk:
        return "current"
    if current is not None:
        return "past" if phase.position < current.position else "upcoming"
    return "past" if phase.end_date < on else "upcoming"


def user_space_ids(user) -> set[int]:
    """Ids of the spaces where ``user`` has a role (any organisation)."""
    return user_roles(user).spaces_with()


def space_roles_of(user, space: Space) -> frozenset[str]:
    """The roles of ``user`` in ``space`` (read with all their roles, once per request)."""
    return user_roles(user).in_space(space.pk)


def visible_spaces(user, organisation: Organisation) -> QuerySet[Space]:
    """Spaces of ``organisation`` that ``user`` may see in the front office."""
    spaces = Space.objects.filter(organisation=organisation)
    if is_organisation_admin(user, organisation):
        return spaces
    visible = Q(is_published=True, visibility=Visibility.PUBLIC)
    roles = user_roles(user)
    member_of = roles.spaces_with()
    if member_of:
        visible |= Q(is_published=True, pk__in=sorted(member_of))
    admin_of = roles.spaces_with(SpaceRole.Role.ADMIN)
    if admin_of:
        visible |= Q(pk__in=sorted(admin_of))
    return spaces.filter(visible)


def space_list(user, organisation: Organisation) -> QuerySet[Space]:
    return (visible_spaces(user, organisation)
            .select_related("forced_phase")
            .prefetch_related("phases", "themes", "areas"))


def get_space(organisation: Organisation, slug: str, *, taxonomy: bool = True) -> Space:
    """The space with its phases, its components and their steps (and themes and areas unless
    ``taxonomy`` is false: component pages do not show them).

    Kept per process (``common.localcache``: no query while no organisation, space, phase,
    component, step, theme or area changed); each call returns its own copy."""
    return localcache.get_or_load(("space", organisation.pk, slug, taxonomy),
                                  lambda: _load_space(organisation, slug, taxonomy))


def _load_space(organisation: Organisation, slug: str, taxonomy: bool) -> Space:
    components = Component.objects.order_by("position").prefetch_related("steps")
    related = ["phases", Prefetch("components", queryset=components)]
    if taxonomy:
        related += ["themes", "areas"]
    return get_object_or_404(
        Space.objects.select_related("organisation", "forced_phase").prefetch_related(*related),
        organisation=organisation, slug=slug)


def get_component(space: Space, component_id: int) -> Component:
    """The component of ``space``; taken from the space's prefetched components when
    ``get_space`` loaded them (no query; ``component.space`` is then ``space`` itself, with
    its phases), with its steps prefetched so that ``allowed_actions`` reads no more rows."""
    prefetched = getattr(space, "_prefetched_objects_cache", {}).get("components")
    if prefetched is None:
        component = get_object_or_404(Component.objects.select_related("space"), space=space,
                                      pk=component_id)
    else:
        try:
            wanted = int(component_id)
        except (TypeError, ValueError):
            raise Http404 from None
        component = next((c for c in prefetched if c.pk == wanted), None)
        if component is None:
            raise Http404
        component.space = space
    prefetch_related_objects([component], "steps")
    return component


def allowed_actions(component: Component, phase: Phase | None) -> list[str]:
    """What participants may do in ``component`` now."""
    if not component.space.has_phases:
        return list(component.default_actions or [])
    if phase is None:
        return []
    for step in component.steps.all():
        if step.phase_id == phase.pk:
            return list(step.actions or [])
    return []


def search_spaces(user, organisation: Organisation, query: str) -> QuerySet[Space]:
    query = query.strip()
    if not query:
        return Space.objects.none()
    return visible_spaces(user, organisation).filter(
        Q(title__icontains=query) | Q(summary__icontains=query) | Q(description__icontains=query))


def components_having(candidates: list[Component], items: QuerySet,
                      limit: int | None = None) -> list[Component]:
    """The ``candidates`` for which ``items`` (a queryset filtered on
    ``OuterRef("pk")``, the component) has a row, in their order: one ``EXISTS`` query that
    stops after ``limit`` components (no bound when ``None``), for the site search."""
    hits = set(Component.objects.filter(pk__in=[c.pk for c in candidates])
               .filter(Exists(items)).values_list("pk", flat=True)[:limit])
    return [c for c in candidates if c.pk in hits]
