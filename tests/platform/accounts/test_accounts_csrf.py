"""CSRF protection on every form of the accounts app."""

from __future__ import annotations

import pytest
from accounts_testing import signup_data
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize(("name", "data"), [
    ("accounts:signup", signup_data()),
    ("accounts:login", {"email": "citoyenne@example.org", "password": "motdepasse-solide-42"}),
    ("accounts:password_reset", {"email": "citoyenne@example.org"}),
])
def test_anonymous_forms_refuse_posts_without_token(strict_client, citizen, name, data):
    response = strict_client.post(reverse(name), data)
    assert response.status_code == 403
    assert "_auth_user_id" not in strict_client.session
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(("name", "data"), [
    ("accounts:logout", {}),
    ("accounts:profile", {"display_name": "Pirate", "language": "en"}),
    ("accounts:demographics", {"consent": "on", "gender": "man"}),
    ("accounts:delete_account", {"password": "motdepasse-solide-42", "confirm": "on"}),
    ("accounts:export_data", {}),
])
def test_account_forms_refuse_posts_without_token(strict_client, citizen, name, data):
    strict_client.force_login(citizen)
    response = strict_client.post(reverse(name), data)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.display_name == "Camille" and citizen.deleted_at is None
    assert "_auth_user_id" in strict_client.session


def test_login_with_the_token_works(strict_client, citizen):
    page = strict_client.get(reverse("accounts:login"))
    token = page.cookies["csrftoken"].value
    response = strict_client.post(reverse("accounts:login"), {
        "email": "citoyenne@example.org", "password": "motdepasse-solide-42",
        "csrfmiddlewaretoken": token})
    assert response.status_code == 302
