"""Permission rules for spaces and components: small named functions, one place.

Order of authority: organisation admin > space admin > moderator / evaluator > member > citizen.
"""

from __future__ import annotations

from parlons.platform.organisations.models import Organisation, OrganisationRole
from parlons.platform.organisations.rules import is_organisation_admin
from parlons.platform.organisations.selectors import roles_of
from parlons.platform.spaces.models import Component, Space, SpaceRole, Visibility
from parlons.platform.spaces.selectors import allowed_actions, current_phase, space_roles_of

OrgRole = OrganisationRole.Role
Role = SpaceRole.Role


def is_space_admin(user, space: Space) -> bool:
    return is_organisation_admin(user, space.organisation) or Role.ADMIN in space_roles_of(user,
                                                                                          space)


def can_view_space(user, space: Space) -> bool:
    if is_space_admin(user, space):
        return True
    if not space.is_published:
        return False
    if space.visibility == Visibility.PUBLIC:
        return True
    return bool(space_roles_of(user, space))


def can_create_space(user, organisation: Organisation) -> bool:
    return is_organisation_admin(user, organisation)


def can_manage_space(user, space: Space) -> bool:
    """Edit the space, its phases, components and roles."""
    return is_space_admin(user, space)


def can_delete_space(user, space: Space) -> bool:
    return is_organisation_admin(user, space.organisation)


def can_moderate_space(user, space: Space) -> bool:
    return (is_space_admin(user, space)
            or OrgRole.MODERATOR in roles_of(user, space.organisation)
            or Role.MODERATOR in space_roles_of(user, space))


def can_evaluate_in_space(user, space: Space) -> bool:
    return (is_space_admin(user, space)
            or OrgRole.EVALUATOR in roles_of(user, space.organisation)
            or Role.EVALUATOR in space_roles_of(user, space))


def can_act_for_citizens(user, space: Space) -> bool:
    """Agents enter contributions on behalf of citizens met at a stand or by phone."""
    return is_space_admin(user, space) or OrgRole.AGENT in roles_of(user, space.organisation)


def can_view_component(user, component: Component) -> bool:
    if not can_view_space(user, component.space):
        return False
    return component.is_published or can_manage_space(user, component.space)


def can_participate(user, component: Component, action: str) -> bool:
    """May ``user`` take ``action`` (create, comment, support, vote...) in ``component`` now?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not can_view_component(user, component) or not component.is_published:
        return False
    phase = current_phase(component.space)
    return action in allowed_actions(component, phase)
