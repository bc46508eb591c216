"""Login, logout and password reset: identical answers whatever the account's state."""

from __future__ import annotations

import pytest
from accounts_testing import link_in, page_text
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "motdepasse-solide-42"  # the make_user fixture's default


def login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"email": email, "password": password, **extra})


def test_login_sets_the_session_and_the_language_cookie(client, make_user):
    user = make_user("lea@example.org", language="fr")
    response = login(client, "Lea@Example.org ")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_login_follows_a_safe_next_only(client, make_user):
    make_user("lea@example.org")
    response = login(client, "lea@example.org", next="/compte/profil/")
    assert response["Location"] == "/compte/profil/"
    client.post(reverse("accounts:logout"))
    response = login(client, "lea@example.org", next="https://evil.example/")
    assert response["Location"] == reverse("web:home")


def test_login_error_is_identical_for_unknown_wrong_unconfirmed_and_deleted(client, make_user):
    from parlons.platform.accounts import services

    make_user("lea@example.org")
    make_user("attente@example.org", email_confirmed_at=None)
    gone = make_user("partie@example.org")
    services.delete_account(gone)
    pages = []
    for email, password in [("inconnue@example.org", PASSWORD), ("lea@example.org", "faux-42-xyz"),
                            ("attente@example.org", PASSWORD), ("partie@example.org", PASSWORD)]:
        response = login(client, email, password)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        pages.append(page_text(response).replace(email, "EMAIL"))
    assert "The e-mail address or the password is incorrect" in pages[0]
    assert len(set(pages)) == 1


def test_login_hashes_a_password_for_unknown_addresses(client, monkeypatch):
    calls = []
    original = User.set_password
    monkeypatch.setattr(User, "set_password",
                        lambda self, raw: calls.append(raw) or original(self, raw))
    login(client, "inconnue@example.org")
    assert calls == [PASSWORD]


def test_login_bad_input_is_explained(client):
    response = client.post(reverse("accounts:login"), {"email": "", "password": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "password"}
    assert "This field is required." in response.content.decode()


def test_logout_is_post_only(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, make_user,
                                                                          mailoutbox):
    make_user("lea@example.org", language="en")
    known = client.post(reverse("accounts:password_reset"), {"email": "lea@example.org"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "qui@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("accounts:password_reset_done")
    assert page_text(client.get(known["Location"])) == page_text(client.get(unknown["Location"]))
    assert [m.to for m in mailoutbox] == [["lea@example.org"]]
    assert "Choose a new password" in mailoutbox[0].subject


def test_password_reset_link_sets_the_password_and_confirms_the_address(client, make_user,
                                                                        mailoutbox):
    user = make_user("attente@example.org", email_confirmed_at=None)
    client.post(reverse("accounts:password_reset"), {"email": "attente@example.org"})
    path = link_in(mailoutbox[0].body)
    response = client.get(path)  # Django swaps the token for a session one
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    new = "un-tout-nouveau-mot-2024"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new) and user.email_confirmed_at is not None
    # The link works once.
    assert client.get(path).status_code == 200
    assert "invalid or has expired" in client.get(path).content.decode()
    assert login(client, "attente@example.org", new).status_code == 302


def test_password_reset_bad_address_is_explained(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []
