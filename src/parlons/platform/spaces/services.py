"""Writes on spaces, phases, components and space roles. Each runs in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parlons.platform.common import localcache
from parlons.platform.common.html import sanitize_html
from parlons.platform.organisations.models import Organisation
from parlons.platform.spaces import registry, rules
from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space, SpaceRole

SPACE_FIELDS = ("kind", "title", "slug", "summary", "description", "image", "image_alt",
                "visibility", "is_published", "start_date", "end_date")


def _unique_slug(organisation: Organisation, title: str, slug: str = "",
                 exclude: int | None = None) -> str:
    base = slugify(slug or title)[:70] or "espace"
    candidate, n = base, 2
    others = Space.objects.filter(organisation=organisation)
    if exclude:
        others = others.exclude(pk=exclude)
    while others.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@transaction.atomic
def create_space(*, actor, organisation: Organisation, data: dict[str, Any],
                 themes=(), areas=()) -> Space:
    if not rules.can_create_space(actor, organisation):
        raise PermissionDenied
    values = {k: v for k, v in data.items() if k in SPACE_FIELDS}
    values["description"] = sanitize_html(values.get("description", ""))
    values["slug"] = _unique_slug(organisation, values["title"], values.get("slug", ""))
    space = Space(organisation=organisation, **values)
    space.full_clean()
    space.save()
    _check_scoped(organisation, themes, areas)
    space.themes.set(themes)
    space.areas.set(areas)
    return space


@transaction.atomic
def update_space(*, actor, space: Space, data: dict[str, Any], themes=None, areas=None) -> Space:
    if not rules.can_manage_space(actor, space):
        raise PermissionDenied
    space = Space.objects.select_for_update().get(pk=space.pk)
    for key, value in data.items():
        if key in SPACE_FIELDS:
            setattr(space, key, value)
    space.description = sanitize_html(space.description)
    if "slug" in data:
        space.slug = _unique_slug(space.organisation, space.title, space.slug, exclude=space.pk)
    space.full_clean()
    space.save()
    if themes is not None or areas is not None:
        _check_scoped(space.organisation, themes or (), areas or ())
    if themes is not None:
        space.themes.set(themes)
    if areas is not None:
        space.areas.set(areas)
    return space


@transaction.atomic
def delete_space(*, actor, space: Space) -> None:
    if not rules.can_delete_space(actor, space):
        raise PermissionDenied
    space.delete()


def _check_scoped(organisation: Organisation, themes, areas) -> None:
    for item in [*themes, *areas]:
        if item.organisation_id != organisation.pk:
            raise ValidationError(_("A theme or area belongs to another organisation."))


def _check_phase(space: Space, start: dt.date, end: dt.date, exclude: int | None = None) -> None:
    if not space.has_phases:
        raise ValidationError(_("Only participatory processes have phases."))
    if end < start:
        raise ValidationError(_("A phase must end on or after the day it starts."))
    others = space.phases.all()
    if exclude:
        others = others.exclude(pk=exclude)
    for other in others:
        if start <= other.end_date and other.start_date <= end:
            raise ValidationError(
                _("This phase overlaps the phase “%(title)s” (%(start)s – %(end)s).")
                % {"title": other.title, "start": other.start_date, "end": other.end_date})


@transaction.atomic
def create_phase(*, actor, space: Space, title: str, start_date: dt.date, end_date: dt.date,
                 description: str = "", call_to_action: str = "") -> Phase:
    if not rules.can_manage_space(actor, space):
        raise PermissionDenied
    Space.objects.select_for_update().get(pk=space.pk)  # serialise phase edits of one space
    _check_phase(space, start_date, end_date)
    phase = Phase.objects.create(
        space=space, title=title, start_date=start_date, end_date=end_date,
        description=sanitize_html(description), call_to_action=call_to_action)
    _renumber_phases(space)
    phase.refresh_from_db()
    return phase


@transaction.atomic
def update_phase(*, actor, phase: Phase, data: dict[str, Any]) -> Phase:
    if not rules.can_manage_space(actor, phase.space):
        raise PermissionDenied
    Space.objects.select_for_update().get(pk=phase.space_id)
    for key in ("title", "description", "call_to_action", "start_date", "end_date"):
        if key in data:
            setattr(phase, key, data[key])
    phase.description = sanitize_html(phase.description)
    _check_phase(phase.space, phase.start_date, phase.end_date, exclude=phase.pk)
    phase.save()
    _renumber_phases(phase.space)
    return phase


@transaction.atomic
def delete_phase(*, actor, phase: Phase) -> None:
    if not rules.can_manage_space(actor, phase.space):
        raise PermissionDenied
    space = phase.space
    phase.delete()
    _renumber_phases(space)


def _renumber_phases(space: Space) -> None:
    for position, phase in enumerate(space.phases.order_by("start_date", "pk")):
        if phase.position != position:
            Phase.objects.filter(pk=phase.pk).update(position=position)


@transaction.atomic
def force_phase(*, actor, space: Space, phase: Phase | None) -> Space:
    """Force the current phase (``None`` returns to the automatic, date-based phase)."""
    if not rules.can_manage_space(actor, space):
        raise PermissionDenied
    if phase is not None and phase.space_id != space.pk:
        raise ValidationError(_("This phase belongs to another space."))
    Space.objects.filter(pk=space.pk).update(forced_phase=phase)
    localcache.invalidate()  # update() sends no save signal: drop every server's copies
    space.refresh_from_db()
    return space


@transaction.atomic
def create_component(*, actor, space: Space, kind: str, title: str, is_published: bool = False,
                     settings: dict | None = None) -> Component:
    if not rules.can_manage_space(actor, space):
        raise PermissionDenied
    if registry.get(kind) is None:
        raise ValidationError(_("Unknown component type."))
    position = space.components.count()
    return Component.objects.create(space=space, kind=kind, title=title, position=position,
                                    is_published=is_published, settings=settings or {})


@transaction.atomic
def update_component(*, actor, component: Component, title: str, is_published: bool,
                     position: int | None = None) -> Component:
    if not rules.can_manage_space(actor, component.space):
        raise PermissionDenied
    component.title = title
    component.is_published = is_published
    if position is not None:
        component.position = position
    component.save()
    return component


@transaction.atomic
def delete_component(*, actor, component: Component) -> None:
    if not rules.can_manage_space(actor, component.space):
        raise PermissionDenied
    component.delete()


@transaction.atomic
def set_allowed_actions(*, actor, component: Component, phase: Phase | None,
                        actions: list[str]) -> None:
    """Declare what participants may do in ``component`` during ``phase`` (or always, for
    spaces without phases)."""
    if not rules.can_manage_space(actor, component.space):
        raise PermissionDenied
    component_type = registry.get(component.kind)
    known = set(component_type.actions) if component_type else set()
    unknown = sorted(set(actions) - known)
    if unknown:
        raise ValidationError(_("Unknown actions: %(actions)s") % {"actions": ", ".join(unknown)})
    ordered = [a for a in component_type.actions if a in actions] if component_type else []
    if phase is None:
        component.default_actions = ordered
        component.save(update_fields=["default_actions"])
        return
    if phase.space_id != component.space_id:
        raise ValidationError(_("This phase belongs to another space."))
    ComponentStep.objects.update_or_create(component=component, phase=phase,
                                           defaults={"actions": ordered})


@transaction.atomic
def assign_space_role(*, actor, space: Space, user, role: str, title: str = "",
                      term_start: dt.date | None = None,
                      term_end: dt.date | None = None) -> SpaceRole:
    if not rules.can_manage_space(actor, space):
        raise PermissionDenied
    if role not in SpaceRole.Role.values:
        raise ValidationError(_("Unknown role."))
    if term_start and term_end and term_end < term_start:
        raise ValidationError(_("A term must end after it starts."))
    space_role, _created = SpaceRole.objects.update_or_create(
        space=space, user=user, role=role,
        defaults={"title": title, "term_start": term_start, "term_end": term_end})
    return space_role


@transaction.atomic
def remove_space_role(*, actor, space_role: SpaceRole) -> None:
    if not rules.can_manage_space(actor, space_role.space):
        raise PermissionDenied
    space_role.delete()
