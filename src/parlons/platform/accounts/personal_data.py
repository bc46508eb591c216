"""Registry of personal-data providers: every module that stores what a person wrote registers
how to export it and how to anonymise it; account export and deletion call every provider.

Usage, in a module's ``AppConfig.ready``::

    from parlons.platform.accounts import personal_data
    personal_data.register("proposals", export=export_proposals, anonymise=anonymise_proposals)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], dict]
Anonymiser = Callable[[Any], None]


@dataclass(frozen=True)
class Provider:
    name: str
    export: Exporter
    anonymise: Anonymiser | None = None


_providers: dict[str, Provider] = {}


def register(name: str, export: Exporter, anonymise: Anonymiser | None = None) -> None:
    """Register (or replace) the provider called ``name``."""
    if not name or not callable(export) or (anonymise is not None and not callable(anonymise)):
        raise ValueError("A provider needs a name, an export function and an optional anonymiser.")
    _providers[name] = Provider(name=name, export=export, anonymise=anonymise)


def unregister(name: str) -> None:
    _providers.pop(name, None)


def providers() -> list[Provider]:
    """Registered providers, sorted by name (stable export order)."""
    return [_providers[name] for name in sorted(_providers)]


def export_all(user) -> dict[str, dict]:
    """Every provider's export of ``user``'s data, keyed by provider name."""
    return {provider.name: provider.export(user) for provider in providers()}


def anonymise_all(user) -> None:
    """Run every provider's anonymiser on ``user`` (inside the caller's transaction)."""
    for provider in providers():
        if provider.anonymise is not None:
            provider.anonymise(user)
