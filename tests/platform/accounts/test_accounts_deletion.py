"""Account deletion (anonymisation) and personal-data export, with the providers' registry."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from parlons.platform.accounts import personal_data
from parlons.platform.accounts.models import DemographicProfile
from parlons.platform.organisations.models import Area, OrganisationRole

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def provider():
    """A module that stores what people write, registered like a real one would be."""
    written = {}
    calls = {"export": [], "anonymise": []}

    def export(user):
        calls["export"].append(user.pk)
        return {"proposals": [{"title": written.get(user.pk, "")}]}

    def anonymise(user):
        calls["anonymise"].append(user.pk)

    personal_data.register("test_proposals", export=export, anonymise=anonymise)
    yield written, calls
    personal_data.unregister("test_proposals")


@pytest.fixture
def rich_citizen(citizen, organisation):
    area = Area.objects.create(organisation=organisation, name="Les Tilleuls", slug="tilleuls")
    DemographicProfile.objects.create(user=citizen, organisation=organisation, birth_year=1984,
                                      gender="woman", postal_code="69001", area=area,
                                      socio_professional_category="4",
                                      consent_given_at="2026-01-02T10:00:00+01:00")
    OrganisationRole.objects.create(user=citizen, organisation=organisation, role="agent")
    return citizen


def test_delete_page_reviews_what_will_happen(client, rich_citizen):
    client.force_login(rich_citizen)
    page = client.get(reverse("accounts:delete_account")).content.decode()
    assert "citoyenne@example.org" in page
    assert "deleted participant" in page
    assert "1 organisation will be deleted" in page
    assert "agent" in page and "Ville de Montreval" in page
    assert 'type="password"' in page


def test_delete_account_anonymises(client, rich_citizen, provider):
    written, calls = provider
    written[rich_citizen.pk] = "Un banc sous le tilleul"
    client.force_login(rich_citizen)
    response = client.post(reverse("accounts:delete_account"),
                           {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    user = User.objects.get(pk=rich_citizen.pk)
    assert user.deleted_at is not None
    assert user.public_name == "deleted participant"
    assert str(user) == "deleted participant"
    assert "citoyenne" not in user.email and user.email.endswith("@deleted.invalid")
    assert user.display_name == "" and user.last_login is None
    assert not user.has_usable_password() and not user.is_active
    assert not DemographicProfile.objects.filter(user=user).exists()
    assert not OrganisationRole.objects.filter(user=user).exists()
    assert calls["anonymise"] == [user.pk]
    # The address is free again and the old credentials no longer work.
    response = client.post(reverse("accounts:login"),
                           {"email": "citoyenne@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_two_deleted_accounts_get_distinct_addresses(make_user):
    from parlons.platform.accounts import services

    first, second = make_user(), make_user()
    services.delete_account(first)
    services.delete_account(second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email != second.email


@pytest.mark.parametrize(("data", "message"), [
    ({"password": "faux", "confirm": "on"}, "The password is incorrect."),
    ({"password": PASSWORD}, "This field is required."),
])
def test_delete_account_needs_password_and_confirmation(client, rich_citizen, provider, data,
                                                        message):
    _written, calls = provider
    client.force_login(rich_citizen)
    response = client.post(reverse("accounts:delete_account"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    rich_citizen.refresh_from_db()
    assert rich_citizen.deleted_at is None and rich_citizen.email == "citoyenne@example.org"
    assert DemographicProfile.objects.filter(user=rich_citizen).exists()
    assert calls["anonymise"] == []


def test_deletion_is_atomic_when_a_provider_fails(client, rich_citizen):
    def broken(user):
        raise RuntimeError("module failure")

    personal_data.register("broken", export=lambda user: {}, anonymise=broken)
    try:
        from parlons.platform.accounts import services

        with pytest.raises(RuntimeError):
            services.delete_account(rich_citizen)
    finally:
        personal_data.unregister("broken")
    rich_citizen.refresh_from_db()
    assert rich_citizen.deleted_at is None
    assert DemographicProfile.objects.filter(user=rich_citizen).exists()


def test_export_zip_contains_everything(client, rich_citizen, provider):
    written, calls = provider
    written[rich_citizen.pk] = "Un banc sous le tilleul"
    client.force_login(rich_citizen)
    assert client.get(reverse("accounts:export_data")).status_code == 200
    response = client.post(reverse("accounts:export_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="parlons-data-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["parlons-personal-data.json"]
        data = json.loads(archive.read("parlons-personal-data.json"))
    assert data["profile"]["email"] == "citoyenne@example.org"
    assert data["profile"]["public_name"] == "Camille"
    assert data["demographics"] == [{
        "organisation": "Ville de Montreval", "consent_given_at": "2026-01-02T09:00:00+00:00",
        "birth_year": 1984, "gender": "woman", "postal_code": "69001",
        "neighbourhood": "Les Tilleuls", "socio_professional_category": "4",
        "updated_at": data["demographics"][0]["updated_at"]}]
    assert [(r["organisation"], r["role"]) for r in data["roles"]] == [("Ville de Montreval",
                                                                          "agent")]
    assert data["modules"]["test_proposals"] == {"proposals": [{"title": "Un banc sous le tilleul"}]}
    assert calls["export"] == [rich_citizen.pk]
    assert "password" not in json.dumps(data)


def test_registry_rejects_bad_providers():
    with pytest.raises(ValueError):
        personal_data.register("", export=lambda user: {})
    with pytest.raises(ValueError):
        personal_data.register("x", export="not callable")
