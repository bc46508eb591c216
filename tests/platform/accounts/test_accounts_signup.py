"""Sign-up, e-mail confirmation, honeypot, time trap and no account enumeration."""

from __future__ import annotations

import pytest
from accounts_testing import PASSWORD, link_in, page_text, signup_data
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from parlons.platform.accounts.tokens import make_confirmation_token, make_time_trap

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_signup_page_renders_honeypot_hidden_and_time_trap(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="honeypot" aria-hidden="true"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert 'name="form_token"' in html and 'type="hidden"' in html


def test_signup_confirm_login_flow(client, mailoutbox):
    response = client.post(reverse("accounts:signup"),
                           signup_data(email=" Nouvelle@Example.org ", display_name="Léa"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get()
    assert user.email == "nouvelle@example.org"
    assert user.display_name == "Léa"
    assert user.email_confirmed_at is None
    assert user.check_password(PASSWORD)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nouvelle@example.org"]
    path = link_in(message.body)
    assert path.startswith("/compte/confirmation/")

    # Not confirmed yet: login refused.
    response = client.post(reverse("accounts:login"),
                           {"email": "nouvelle@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session

    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.email_confirmed_at is not None

    response = client.post(reverse("accounts:login"),
                           {"email": "NOUVELLE@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_default_display_name_is_a_pseudonym(client):
    client.post(reverse("accounts:signup"), signup_data())
    user = User.objects.get()
    assert user.display_name
    assert "@" not in user.display_name and "nouvelle" not in user.display_name


def test_signup_language_preference_is_saved_and_used_for_the_email(client, mailoutbox):
    from django.utils import translation

    client.post(reverse("accounts:signup"), signup_data(language="en"))
    client.post(reverse("accounts:signup"), signup_data(email="fr@example.org", language="fr"))
    assert User.objects.get(email="nouvelle@example.org").language == "en"
    assert User.objects.get(email="fr@example.org").language == "fr"
    assert "Confirm your e-mail address" in mailoutbox[0].subject
    with translation.override("fr"):
        expected = translation.gettext("Confirm your e-mail address on %(site_name)s")
    assert mailoutbox[1].subject == expected % {"site_name": "Ville de Montreval"}


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"email": "pas-une-adresse"}, "email", "valid email"),
    ({"email": ""}, "email", "required"),
    ({"password": "court"}, "password", "too short"),
    ({"password": "azertyuiop"}, "password", "too common"),
    ({"password": "nouvelle@example.org"}, "password", "too similar"),
    ({"language": "de"}, "language", "valid choice"),
    ({"display_name": "deleted participant"}, "display_name", "reserved"),
])
def test_signup_bad_input_is_explained_and_writes_nothing(client, mailoutbox, overrides, field,
                                                          fragment):
    response = client.post(reverse("accounts:signup"), signup_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(fragment in error for error in errors), errors
    assert fragment in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == 0
    assert mailoutbox == []


def test_existing_email_gets_the_same_answer_and_the_owner_is_warned(client, make_user,
                                                                     mailoutbox):
    owner = make_user("deja@example.org", display_name="Déjà", language="en")
    before = owner.password
    new = client.post(reverse("accounts:signup"), signup_data(email="inconnue@example.org"))
    again = client.post(reverse("accounts:signup"), signup_data(email="DEJA@example.org"))
    assert (new.status_code, new["Location"]) == (again.status_code, again["Location"])
    page_new = page_text(client.get(new["Location"]))
    page_again = page_text(client.get(again["Location"]))
    assert page_new == page_again
    assert User.objects.filter(email__iexact="deja@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.password == before
    assert [m.to for m in mailoutbox] == [["inconnue@example.org"], ["deja@example.org"]]
    assert "tried to sign up" in mailoutbox[1].subject
    assert "/compte/mot-de-passe/" in mailoutbox[1].body


def test_existing_unconfirmed_email_gets_a_new_confirmation_link(client, make_user, mailoutbox):
    make_user("attente@example.org", email_confirmed_at=None)
    response = client.post(reverse("accounts:signup"), signup_data(email="attente@example.org"))
    assert response["Location"] == reverse("accounts:signup_done")
    assert len(mailoutbox) == 1
    assert link_in(mailoutbox[0].body).startswith("/compte/confirmation/")


def test_signup_hashes_the_password_for_existing_addresses_too(client, make_user, monkeypatch):
    make_user("deja@example.org")
    calls = []
    original = User.set_password

    def counting(self, raw):
        calls.append(raw)
        return original(self, raw)

    monkeypatch.setattr(User, "set_password", counting)
    client.post(reverse("accounts:signup"), signup_data(email="deja@example.org"))
    existing_calls = len(calls)
    client.post(reverse("accounts:signup"), signup_data(email="autre@example.org"))
    assert existing_calls == len(calls) - existing_calls == 1


def test_honeypot_filled_is_rejected_and_writes_nothing(client, mailoutbox):
    response = client.post(reverse("accounts:signup"), signup_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "leave the last field empty" in response.content.decode()
    assert User.objects.count() == 0 and mailoutbox == []


def test_time_trap_rejects_a_form_sent_too_quickly(client, settings, mailoutbox):
    settings.PARLONS_SIGNUP_MIN_SECONDS = 30
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 200
    assert "sent too quickly" in response.content.decode()
    assert User.objects.count() == 0 and mailoutbox == []
    # A form rendered long enough ago passes.
    import time
    old = make_time_trap(now=time.time() - 31)
    response = client.post(reverse("accounts:signup"), signup_data(form_token=old))
    assert response.status_code == 302 and User.objects.count() == 1


@pytest.mark.parametrize("token", ["", "forged", signing.dumps({"t": 0}, salt="other")],
                         ids=["missing", "forged", "wrong-salt"])
def test_time_trap_rejects_missing_or_forged_tokens(client, token):
    response = client.post(reverse("accounts:signup"), signup_data(form_token=token))
    assert response.status_code == 200
    assert "The form has expired" in response.content.decode()
    assert User.objects.count() == 0


def test_rejected_form_gets_a_fresh_time_trap(client):
    response = client.post(reverse("accounts:signup"), signup_data(form_token="forged"))
    assert response.context["form"]["form_token"].value() != "forged"


def test_confirmation_link_tampered_or_expired_is_refused(client, make_user, settings):
    user = make_user("attente@example.org", email_confirmed_at=None)
    token = make_confirmation_token(user)
    response = client.get(reverse("accounts:confirm_email", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "invalid or has expired" in response.content.decode()
    settings.PARLONS_EMAIL_CONFIRMATION_MAX_AGE = -1
    response = client.get(reverse("accounts:confirm_email", args=[token]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_confirmation_link_is_bound_to_the_address(client, make_user):
    user = make_user("attente@example.org", email_confirmed_at=None)
    token = make_confirmation_token(user)
    User.objects.filter(pk=user.pk).update(email="changee@example.org")
    assert client.get(reverse("accounts:confirm_email", args=[token])).status_code == 400


def test_logged_in_person_is_sent_to_the_profile(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("accounts:signup"))
    assert response["Location"] == reverse("accounts:profile")
