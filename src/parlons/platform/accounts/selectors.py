"""Reads of accounts: people, their demographics and their roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from parlons.platform.accounts.models import DemographicProfile, User
from parlons.platform.organisations.models import OrganisationRole
from parlons.platform.spaces.models import SpaceRole

_ROLES_ATTRIBUTE = "_parlons_roles"


@dataclass(frozen=True)
class UserRoles:
    """Every organisation and space role of one person, as read by ``user_roles``."""

    organisations: dict[int, frozenset[str]] = field(default_factory=dict)
    spaces: dict[int, frozenset[str]] = field(default_factory=dict)
    space_organisations: dict[int, int] = field(default_factory=dict)

    def in_organisation(self, organisation_id: int) -> frozenset[str]:
        return self.organisations.get(organisation_id, frozenset())

    def in_space(self, space_id: int) -> frozenset[str]:
        return self.spaces.get(space_id, frozenset())

    def spaces_with(self, role: str | None = None) -> set[int]:
        """Ids of the spaces where the person has ``role`` (any role when ``role`` is None)."""
        return {pk for pk, roles in self.spaces.items() if role is None or role in roles}

    def has_space_role_in(self, organisation_id: int, role: str | None = None) -> bool:
        """Has the person ``role`` (any role when None) in a space of ``organisation_id``?"""
        return any(self.space_organisations[pk] == organisation_id
                   for pk in self.spaces_with(role))


NO_ROLES = UserRoles()


def user_roles(user) -> UserRoles:
    """All the roles of ``user`` (organisations and spaces), read in one query.

    Memoised on the user object only: ``request.user`` is loaded afresh for every request, so a
    role granted or revoked counts from the next request on (never a cross-request cache).
    Saving or deleting a role forgets the memo of the user object it was saved with."""
    if not getattr(user, "is_authenticated", False):
        return NO_ROLES
    memo = getattr(user, _ROLES_ATTRIBUTE, None)
    if memo is None:
        memo = _load_roles(user)
        setattr(user, _ROLES_ATTRIBUTE, memo)
    return memo


def forget_roles(user) -> None:
    """Drop the memo of ``user_roles`` so that the next read queries again."""
    if user is not None and hasattr(user, _ROLES_ATTRIBUTE):
        delattr(user, _ROLES_ATTRIBUTE)


def _load_roles(user) -> UserRoles:
    kind = CharField()
    org_rows = (OrganisationRole.objects.filter(user=user)
                .annotate(kind=Value("organisation", output_field=kind),
                          scope=F("organisation_id"),
                          owner=F("organisation_id"))
                .values_list("kind", "scope", "owner", "role"))
    space_rows = (SpaceRole.objects.filter(user=user)
                  .annotate(kind=Value("space", output_field=kind),
                            scope=F("space_id"),
                            owner=F("space__organisation_id"))
                  .values_list("kind", "scope", "owner", "role"))
    organisations: dict[int, set[str]] = {}
    spaces: dict[int, set[str]] = {}
    space_organisations: dict[int, int] = {}
    for row_kind, scope, owner, role in org_rows.union(space_rows, all=True):
        if row_kind == "organisation":
            organisations.setdefault(scope, set()).add(role)
        else:
            spaces.setdefault(scope, set()).add(role)
            space_organisations[scope] = owner
    return UserRoles(
        organisations={pk: frozenset(roles) for pk, roles in organisations.items()},
        spaces={pk: frozenset(roles) for pk, roles in spaces.items()},
        space_organisations=space_organisations)


@receiver([post_save, post_delete], sender=OrganisationRole, dispatch_uid="parlons-roles-org")
@receiver([post_save, post_delete], sender=SpaceRole, dispatch_uid="parlons-roles-space")
def _forget_roles_on_change(sender, instance, **kwargs) -> None:
    """A role saved or deleted with a user object in hand: that object reads its roles again."""
    if sender.user.is_cached(instance):
        forget_roles(instance.user)


def active_user_by_email(email: str) -> User | None:
    """The non-deleted account registered with ``email`` (case-insensitive), if any."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return get_user_model().objects.filter(email__iexact=email, deleted_at__isnull=True).first()


def demographic_profile(user: User, organisation) -> DemographicProfile | None:
    if organisation is None or not user.is_authenticated:
        return None
    return DemographicProfile.objects.filter(user=user, organisation=organisation).first()


def demographic_profiles(user: User) -> QuerySet[DemographicProfile]:
    return (DemographicProfile.objects.filter(user=user)
            .select_related("organisation", "area").order_by("organisation__name"))


def organisation_roles(user: User) -> QuerySet[OrganisationRole]:
    return (OrganisationRole.objects.filter(user=user)
            .select_related("organisation").order_by("organisation__name", "role"))


def personal_data(user: User) -> dict:
    """Everything the platform keeps about ``user``, as JSON-ready data."""
    from parlons.platform.accounts import personal_data as registry

    def iso(value):
        return value.isoformat() if value else None

    return {
        "format": "parlons-personal-data/1",
        "profile": {
            "email": user.email,
            "public_name": user.display_name,
            "language": user.language,
            "date_joined": iso(user.date_joined),
            "email_confirmed_at": iso(user.email_confirmed_at),
            "last_login": iso(user.last_login),
        },
        "demographics": [
            {
                "organisation": profile.organisation.name,
                "consent_given_at": iso(profile.consent_given_at),
                "birth_year": profile.birth_year,
                "gender": profile.gender or None,
                "postal_code": profile.postal_code or None,
                "neighbourhood": profile.area.name if profile.area else None,
                "socio_professional_category": profile.socio_professional_category or None,
                "updated_at": iso(profile.updated_at),
            }
            for profile in demographic_profiles(user)
        ],
        "roles": [
            {"organisation": role.organisation.name, "role": role.role,
             "since": iso(role.created_at)}
            for role in organisation_roles(user)
        ],
        "modules": registry.export_all(user),
    }
