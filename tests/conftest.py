"""Fixtures shared by the platform tests: organisations and one person per role."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    """Tests hash passwords with a fast hasher; production keeps Django's PBKDF2 default."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # SMS are logged as in development (production's default is "off": no gateway, no SMS);
    # tests of the HTTP gateway set their own backend.
    os.environ.setdefault("PARLONS_SMS_BACKEND", "console")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One PostgreSQL test database per test run, so that concurrent runs do not collide.

    pytest-django already suffixes the name per xdist worker; this adds the run's process id
    (the controller's for xdist workers), which two simultaneous runs never share.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
        test = database.setdefault("TEST", {})
        base = test.get("NAME") or f"test_{database['NAME']}"
        test["NAME"] = f"{base}_{run}"


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
def make_staff(make_user):
    """A person with one staff role in an organisation."""
    from parlons.platform.organisations.models import OrganisationRole

    def make(organisation, role: str, email: str, display_name: str):
        user = make_user(email, display_name=display_name)
        OrganisationRole.objects.create(organisation=organisation, user=user, role=role)
        return user

    return make


@pytest.fixture
def org_admin(make_staff, organisation):
    return make_staff(organisation, "admin", "admin@example.org", "Admin Ville")


@pytest.fixture
def other_org_admin(make_staff, other_organisation):
    return make_staff(other_organisation, "admin", "admin@val.example.org", "Admin Val")


@pytest.fixture
def org_moderator(make_staff, organisation):
    return make_staff(organisation, "moderator", "moderation@example.org", "Modération")


@pytest.fixture
def org_evaluator(make_staff, organisation):
    return make_staff(organisation, "evaluator", "services@example.org", "Services techniques")


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.postgres`` tests (many threads, row locks) run on PostgreSQL only: on
    SQLite they are skipped with one reason; CI's PostgreSQL pass runs every one of them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, many threads): run with "
                                   "DATABASE_URL=postgres://...; CI's PostgreSQL pass runs it")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
