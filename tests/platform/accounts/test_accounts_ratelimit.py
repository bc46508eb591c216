"""Rate limits on sign-up, login and password reset: per IP address and per e-mail address."""

from __future__ import annotations

import pytest
from accounts_testing import signup_data
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.PARLONS_RATE_LIMITS = {"signup": "3/h", "login": "3/m", "password_reset": "3/h"}


def test_signup_limited_per_ip(client, limits):
    for n in range(3):
        response = client.post(reverse("accounts:signup"), signup_data(email=f"p{n}@example.org"))
        assert response.status_code == 302
    response = client.post(reverse("accounts:signup"), signup_data(email="p9@example.org"))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not get_user_model().objects.filter(email="p9@example.org").exists()


def test_signup_limited_per_email_across_addresses(client, limits):
    for n in range(3):
        client.post(reverse("accounts:signup"), signup_data(email="Cible@example.org"),
                    REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(reverse("accounts:signup"), signup_data(email="cible@example.org "),
                           REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    other = client.post(reverse("accounts:signup"), signup_data(email="autre@example.org"),
                        REMOTE_ADDR="10.0.0.98")
    assert other.status_code == 302


def test_login_limited_per_ip_and_per_email(client, limits, make_user):
    make_user("lea@example.org")
    for n in range(3):
        response = client.post(reverse("accounts:login"),
                               {"email": "lea@example.org", "password": "faux"},
                               REMOTE_ADDR=f"10.1.0.{n}")
        assert response.status_code == 200
    # Even the right password is refused now for this account, from any address.
    response = client.post(reverse("accounts:login"),
                           {"email": "lea@example.org", "password": "motdepasse-solide-42"},
                           REMOTE_ADDR="10.1.0.50")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    for n in range(3):
        client.post(reverse("accounts:login"), {"email": f"x{n}@example.org", "password": "f"},
                    REMOTE_ADDR="10.2.0.1")
    response = client.post(reverse("accounts:login"), {"email": "y@example.org", "password": "f"},
                           REMOTE_ADDR="10.2.0.1")
    assert response.status_code == 429


def test_password_reset_limited(client, limits, make_user, mailoutbox):
    make_user("lea@example.org")
    for n in range(3):
        client.post(reverse("accounts:password_reset"), {"email": "lea@example.org"},
                    REMOTE_ADDR=f"10.3.0.{n}")
    response = client.post(reverse("accounts:password_reset"), {"email": "lea@example.org"},
                           REMOTE_ADDR="10.3.0.9")
    assert response.status_code == 429
    assert len(mailoutbox) == 3


def test_reading_the_forms_is_not_limited(client, limits):
    for _ in range(5):
        assert client.get(reverse("accounts:login")).status_code == 200
