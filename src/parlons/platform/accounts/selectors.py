"""Reads of accounts: people, their demographics and their roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from parlons.platform.accounts.models import DemographicProfile, User
from parlons.platform.organisations.models import OrganisationRole


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
