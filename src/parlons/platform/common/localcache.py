"""Per-process caches of rows that rarely change (organisations, spaces, phases, components;
budgets and the projects on their ballots, see ``watch``), kept correct across several
application servers by one shared generation token.

Every request reads the token once from the shared cache (Redis in production: one GET);
a process keeps its copies only while the token is the one they were read under. Saving or
deleting one of the watched models (``post_save``, ``post_delete``, ``m2m_changed``) replaces
the token, at once and again when the transaction commits, so every server drops its copies.
Changes made with ``QuerySet.update()`` send no signal: whoever writes so calls
``invalidate()`` (ADR 0002); copies also expire after ``PARLONS_LOCAL_CACHE_SECONDS``
(default 30) seconds, the bound on staleness for a forgotten one.

Each reader gets its own copy (unpickled from bytes), so a view may change what it got.
"""

from __future__ import annotations

import pickle
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "parlons:localcache:generation"
MAX_ENTRIES = 1024
_pinned: ContextVar[str | None] = ContextVar("parlons_localcache_token", default=None)
_lock = threading.Lock()
_store: dict[Hashable, tuple[str, float, bytes]] = {}


def _seconds() -> float:
    return float(getattr(settings, "PARLONS_LOCAL_CACHE_SECONDS", 30.0))


def shared_token() -> str:
    """The current generation (created if the shared cache has none)."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
        token = cache.get(GENERATION_KEY) or ""
    return token


def current_token() -> str:
    """The token pinned for this request (one read per request), else a fresh read."""
    return _pinned.get() or shared_token()


def pin_token():
    """Read the token once for the current request; pass the result to ``unpin_token``."""
    return _pinned.set(shared_token())


def unpin_token(handle) -> None:
    _pinned.reset(handle)


def invalidate() -> None:
    """Drop every copy on every server: now, and again once the transaction commits (a
    server could otherwise re-read the old rows between the two)."""
    _replace_token()
    transaction.on_commit(_replace_token)


def _replace_token() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    with _lock:
        _store.clear()


def get_or_load(key: Hashable, load: Callable[[], Any]) -> Any:
    """A private copy of the value cached under ``key``, calling ``load`` on a miss.

    ``load`` may raise (e.g. ``Http404``): nothing is cached then."""
    token = current_token()
    if not token:  # a cache that keeps nothing (dummy backend): no copies at all
        return load()
    now = time.monotonic()
    entry = _store.get(key)
    if entry is not None and entry[0] == token and now - entry[1] < _seconds():
        return pickle.loads(entry[2])  # noqa: S301 - bytes this process pickled itself
    value = load()
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        _store[key] = (token, now, data)
    return pickle.loads(data)  # noqa: S301 - a copy, like the cached path returns


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures loading
        return
    invalidate()


def watch(*models) -> None:
    """Drop every copy whenever a row of ``models`` is saved or deleted (an app whose rows are
    kept in these caches calls this from its ``ready``; ``QuerySet.update()`` on them must
    call :func:`invalidate` itself)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"localcache-save-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"localcache-del-{model}")


def connect_signals() -> None:
    """Watch the models whose rows the per-process caches hold (called from ``ready``)."""
    from django.db.models.signals import m2m_changed

    from parlons.platform.organisations.models import Area, Organisation, Theme
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    watch(Organisation, Area, Theme, Space, Phase, Component, ComponentStep)
    for through in (Space.themes.through, Space.areas.through):
        m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"localcache-m2m-{through}")
