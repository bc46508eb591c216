"""The registry of component types: a module registers itself here, the spine never changes.

A component type declares its key, its name, the participant actions it knows, the view that
renders it, and optional hooks (back-office settings form, search, personal data). Modules
call ``register`` from their ``AppConfig.ready``.

A module may also add panels to the page of a process (``register_panel``): a callable returns
a template and its context, or nothing; panels are ordered and shown only to visitors who may
see the space (and pass the panel's own ``is_allowed`` check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ComponentType:
    key: str
    name: str | Promise
    actions: dict[str, str | Promise] = field(default_factory=dict)
    view: Callable[..., Any] | None = None
    manage_view: Callable[..., Any] | None = None
    search: Callable[[Iterable[Any], str], Iterable[Any]] | None = None
    description: str | Promise = ""


_TYPES: dict[str, ComponentType] = {}


def _add(table: dict, key: str, item: Any, what: str) -> Any:
    """Register ``item`` under ``key`` (again is fine; another item under it is not)."""
    if key in table and table[key] != item:
        raise ValueError(f"{what} {key!r} is already registered")
    table[key] = item
    return item


def register(component_type: ComponentType) -> ComponentType:
    return _add(_TYPES, component_type.key, component_type, "component type")


def get(key: str) -> ComponentType | None:
    return _TYPES.get(key)


def all_types() -> list[ComponentType]:
    return sorted(_TYPES.values(), key=lambda t: str(t.name))


def choices() -> list[tuple[str, str | Promise]]:
    return [(t.key, t.name) for t in all_types()]


# ----------------------------------------------------------------------------- space panels


@dataclass(frozen=True)
class PanelContent:
    """What a panel shows: a template and its context (``space`` and ``request`` are added)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpacePanel:
    """A block that a module adds to the page of a process (or of any space).

    ``content(request, space)`` returns a ``PanelContent``, or ``None`` when the panel has
    nothing to show this visitor. ``is_allowed(user, space)``, when given, is checked before;
    in every case a panel is only shown to whoever may see the space. Panels come by ``order``,
    then by key."""

    key: str
    content: Callable[[Any, Any], PanelContent | None]
    order: int = 100
    is_allowed: Callable[[Any, Any], bool] | None = None


_PANELS: dict[str, SpacePanel] = {}


def register_panel(panel: SpacePanel) -> SpacePanel:
    return _add(_PANELS, panel.key, panel, "space panel")


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def panels() -> list[SpacePanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def render_panels(request, space) -> list[str]:
    """The HTML of every registered panel this visitor may see on the page of ``space``."""
    from django.template.loader import render_to_string

    from parlons.platform.spaces.rules import can_view_space

    if not can_view_space(request.user, space):
        return []
    rendered = []
    for panel in panels():
        if panel.is_allowed is not None and not panel.is_allowed(request.user, space):
            continue
        content = panel.content(request, space)
        if content is not None:
            rendered.append(render_to_string(content.template,
                                             {**content.context, "space": space},
                                             request=request))
    return rendered
