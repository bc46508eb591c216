"""Fixtures shared by the platform tests: organisations and one person per role."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    """Tests hash passwords with a fast hasher; production keeps Django's PBKDF2 default."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organisation(db):
    from parlons.platform.organisations.models import Organisation

    return Organisation.objects.create(name="Ville de Montreval", slug="montreval",
                                       is_default=True, enabled_languages=["fr", "en"])


@pytest.fixture
def other_organisation(db):
    from parlons.platform.organisations.models import Organisation

    return Organisation.objects.create(name="Communauté du Val", slug="val",
                                       domain="val.testserver")


@pytest.fixture
def make_user(db):
    from django.utils import timezone

    from parlons.platform.accounts.models import User

    counter = {"n": 0}

    def make(email: str | None = None, password: str = "motdepasse-solide-42", **extra):
        counter["n"] += 1
        email = email or f"personne{counter['n']}@example.org"
        extra.setdefault("display_name", f"Personne {counter['n']}")
        extra.setdefault("email_confirmed_at", timezone.now())
        return User.objects.create_user(email=email, password=password, **extra)

    return make


@pytest.fixture
def citizen(make_user):
    return make_user("citoyenne@example.org", display_name="Camille")


@pytest.fixture
def org_admin(make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    user = make_user("admin@example.org", display_name="Admin Ville")
    OrganisationRole.objects.create(organisation=organisation, user=user, role="admin")
    return user


@pytest.fixture
def other_org_admin(make_user, other_organisation):
    from parlons.platform.organisations.models import OrganisationRole

    user = make_user("admin@val.example.org", display_name="Admin Val")
    OrganisationRole.objects.create(organisation=other_organisation, user=user, role="admin")
    return user


@pytest.fixture
def org_moderator(make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    user = make_user("moderation@example.org", display_name="Modération")
    OrganisationRole.objects.create(organisation=organisation, user=user, role="moderator")
    return user


@pytest.fixture
def org_evaluator(make_user, organisation):
    from parlons.platform.organisations.models import OrganisationRole

    user = make_user("services@example.org", display_name="Services techniques")
    OrganisationRole.objects.create(organisation=organisation, user=user, role="evaluator")
    return user
