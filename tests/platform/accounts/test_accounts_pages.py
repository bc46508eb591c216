"""Every page of the accounts app renders in the default language (French), with a heading."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ANONYMOUS = ["accounts:signup", "accounts:signup_done", "accounts:login",
             "accounts:password_reset", "accounts:password_reset_done",
             "accounts:password_reset_complete"]
PERSONAL = ["accounts:profile", "accounts:demographics", "accounts:delete_account",
            "accounts:export_data"]


@pytest.mark.parametrize("name", ANONYMOUS + PERSONAL)
def test_page_renders_in_french(name, citizen):
    client = Client()
    if name in PERSONAL:
        client.force_login(citizen)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert html.count("<h1>") == 1
