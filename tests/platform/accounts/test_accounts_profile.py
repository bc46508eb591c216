"""Profile (public name, language) and consented demographics per organisation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from parlons.platform.accounts.models import DemographicProfile
from parlons.platform.organisations.models import Area

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["accounts:profile", "accounts:demographics",
                                  "accounts:delete_account", "accounts:export_data"])
def test_account_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_profile_edit(client, citizen):
    client.force_login(citizen)
    assert "Camille" in client.get(reverse("accounts:profile")).content.decode()
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "  Camille   du Parc ", "language": "en"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.display_name == "Camille du Parc" and citizen.language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Your profile has been saved." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"display_name": "", "language": "fr"}, "This field is required."),
    ({"display_name": "x" * 61, "language": "fr"}, "at most 60 characters"),
    ({"display_name": "Deleted participant", "language": "fr"}, "reserved"),
    ({"display_name": "Camille", "language": "xx"}, "valid choice"),
])
def test_profile_bad_input(client, citizen, data, message):
    client.force_login(citizen)
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    citizen.refresh_from_db()
    assert (citizen.display_name, citizen.language) == ("Camille", "fr")


def test_demographics_save_update_and_withdraw(client, citizen, organisation, other_organisation):
    area = Area.objects.create(organisation=organisation, name="Les Tilleuls", slug="tilleuls")
    client.force_login(citizen)
    page = client.get(reverse("accounts:demographics")).content.decode()
    assert "Les Tilleuls" in page and "never shown publicly" in page
    response = client.post(reverse("accounts:demographics"), {
        "consent": "on", "birth_year": "1984", "gender": "woman", "postal_code": "69001",
        "area": area.pk, "socio_professional_category": "4"})
    assert response.status_code == 302
    profile = DemographicProfile.objects.get(user=citizen)
    assert (profile.organisation, profile.birth_year, profile.gender, profile.postal_code,
            profile.area, profile.socio_professional_category) == (
        organisation, 1984, "woman", "69001", area, "4")
    assert profile.consent_given_at is not None
    response = client.post(reverse("accounts:demographics"),
                           {"consent": "on", "birth_year": "", "gender": "unsaid"})
    profile.refresh_from_db()
    assert (profile.birth_year, profile.gender, profile.area) == (None, "unsaid", None)
    # Another organisation's answers are kept apart and survive the withdrawal here.
    DemographicProfile.objects.create(user=citizen, organisation=other_organisation,
                                      consent_given_at=profile.consent_given_at, gender="woman")
    response = client.post(reverse("accounts:demographics"), {"withdraw": "1"})
    assert response.status_code == 302
    assert not DemographicProfile.objects.filter(user=citizen, organisation=organisation).exists()
    assert DemographicProfile.objects.filter(user=citizen,
                                             organisation=other_organisation).exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"birth_year": "1984"}, "Please tick the box to give your consent"),
    ({"consent": "on", "birth_year": "1850"}, "Enter a year between 1900 and"),
    ({"consent": "on", "postal_code": "6900"}, "Enter a postal code of five digits."),
    ({"consent": "on", "gender": "robot"}, "valid choice"),
])
def test_demographics_bad_input_writes_nothing(client, citizen, data, message):
    client.force_login(citizen)
    response = client.post(reverse("accounts:demographics"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DemographicProfile.objects.exists()


def test_demographics_refuse_another_organisations_area(client, citizen, organisation,
                                                        other_organisation):
    Area.objects.create(organisation=organisation, name="Les Tilleuls", slug="tilleuls")
    foreign = Area.objects.create(organisation=other_organisation, name="Ailleurs", slug="ailleurs")
    client.force_login(citizen)
    page = client.get(reverse("accounts:demographics")).content.decode()
    assert "Ailleurs" not in page
    response = client.post(reverse("accounts:demographics"), {"consent": "on", "area": foreign.pk})
    assert response.status_code == 200
    assert "valid choice" in response.content.decode()
    assert not DemographicProfile.objects.exists()
