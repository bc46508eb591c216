"""The registry of component types: a module registers itself here, the spine never changes.

A component type declares its key, its name, the participant actions it knows, the view that
renders it, and optional hooks (back-office settings form, search, personal data). Modules
call ``register`` from their ``AppConfig.ready``.
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


def register(component_type: ComponentType) -> ComponentType:
    if component_type.key in _TYPES and _TYPES[component_type.key] != component_type:
        raise ValueError(f"component type {component_type.key!r} is already registered")
    _TYPES[component_type.key] = component_type
    return component_type


def get(key: str) -> ComponentType | None:
    return _TYPES.get(key)


def all_types() -> list[ComponentType]:
    return sorted(_TYPES.values(), key=lambda t: str(t.name))


def choices() -> list[tuple[str, str | Promise]]:
    return [(t.key, t.name) for t in all_types()]
