"""Who may do what in a budget component (on top of ``spaces.rules``)."""

from __future__ import annotations

from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces.models import Component


def can_submit(user, component: Component) -> bool:
    return space_rules.can_participate(user, component, "submit")


def can_vote(user, component: Component) -> bool:
    return space_rules.can_participate(user, component, "vote")


def vote_is_open(component: Component) -> bool:
    from parlons.platform.spaces.selectors import allowed_actions, current_phase

    return component.is_published and "vote" in allowed_actions(
        component, current_phase(component.space))


def can_configure(user, component: Component) -> bool:
    return space_rules.can_manage_space(user, component.space)


def can_review(user, component: Component) -> bool:
    return space_rules.can_evaluate_in_space(user, component.space)


def can_enter_for_citizens(user, component: Component) -> bool:
    """Agents: submit projects for citizens, check eligibility, enter paper ballots."""
    return (getattr(user, "is_authenticated", False)
            and space_rules.can_act_for_citizens(user, component.space))


def can_publish(user, component: Component) -> bool:
    return space_rules.can_manage_space(user, component.space)


def can_vote_with_code(component: Component) -> bool:
    """Anybody holding a voting code, while the vote is open, if the city accepts codes."""
    return (bool((component.settings or {}).get("voting_codes")) and vote_is_open(component)
            and space_rules.can_view_component(None, component))


def can_add_photo(user, project) -> bool:
    """Authors and co-authors while projects are submitted; the space's staff at any time."""
    component = project.budget.component
    if can_configure(user, component):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if can_enter_for_citizens(user, component) and project.entered_by_id == user.pk:
        return True
    is_author = project.author_id == user.pk or project.coauthors.filter(pk=user.pk).exists()
    return is_author and can_submit(user, component)
