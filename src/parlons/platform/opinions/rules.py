"""Who may vote, submit, moderate, manage and export in an opinions component."""

from __future__ import annotations

from parlons.platform.opinions.selectors import component_settings
from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces.models import Component
from parlons.platform.spaces.selectors import allowed_actions, current_phase


def actions_now(component: Component) -> list[str]:
    """The actions the current phase allows, memoised on the instance for one request."""
    cached = getattr(component, "_opinions_actions_now", None)
    if cached is None:
        cached = list(allowed_actions(component, current_phase(component.space)))
        component._opinions_actions_now = cached
    return cached


def _memo(component: Component, name: str, user, compute) -> bool:
    """Memoise a per-user answer on the component instance (one request)."""
    cache = component.__dict__.setdefault("_opinions_rules", {})
    key = (name, getattr(user, "pk", None))
    if key not in cache:
        cache[key] = bool(compute())
    return cache[key]


def can_view(user, component: Component) -> bool:
    return _memo(component, "view", user,
                 lambda: space_rules.can_view_component(user, component))


def anonymous_allowed(component: Component) -> bool:
    return bool(component_settings(component)["anonymous"])


def can_participate(user, component: Component, action: str) -> bool:
    """Signed-in people follow the spine's rule; people without an account may vote and
    submit when the component allows it and the current phase opens the action."""
    if getattr(user, "is_authenticated", False):
        return _memo(component, "participate:" + action, user,
                     lambda: space_rules.can_participate(user, component, action))
    if not anonymous_allowed(component) or not component.is_published:
        return False
    return can_view(user, component) and action in actions_now(component)


def needs_login(user, component: Component, action: str) -> bool:
    """True when signing in would let an anonymous visitor take ``action`` now."""
    if getattr(user, "is_authenticated", False) or not component.is_published:
        return False
    return action in actions_now(component)


def can_moderate(user, component: Component) -> bool:
    return _memo(component, "moderate", user,
                 lambda: space_rules.can_moderate_space(user, component.space))


def can_manage(user, component: Component) -> bool:
    return space_rules.can_manage_space(user, component.space)


def can_view_results(user, component: Component) -> bool:
    if not can_view(user, component):
        return False
    return component_settings(component)["results_public"] or can_moderate(user, component)


def can_export(user, component: Component) -> bool:
    """The Polis export (pseudonymous votes) is for the organisers and moderators."""
    return can_view(user, component) and can_moderate(user, component)
