"""Permission rules of the organisation (one place, small named functions)."""

from __future__ import annotations

from parlons.platform.organisations.models import Organisation, OrganisationRole
from parlons.platform.organisations.selectors import roles_of

Role = OrganisationRole.Role


def is_organisation_admin(user, organisation: Organisation) -> bool:
    return Role.ADMIN in roles_of(user, organisation)


def is_organisation_staff(user, organisation: Organisation) -> bool:
    """Anyone with a staff role in the organisation may open the back office."""
    return bool(roles_of(user, organisation))


def can_manage_organisation(user, organisation: Organisation) -> bool:
    return is_organisation_admin(user, organisation)


def can_assign_organisation_roles(user, organisation: Organisation) -> bool:
    return is_organisation_admin(user, organisation)
