"""Who sees what: the authorization matrix, personal data and its deletion at the set date."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from parlons.platform.accounts import personal_data
from parlons.platform.assemblies import services
from parlons.platform.assemblies.models import Recipient, Volunteer

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "moderator", "agent", "organiser", "org_admin",
         "other_org_admin"]


@pytest.fixture
def people(citizen, org_moderator, org_agent, organiser, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "agent": org_agent, "organiser": organiser, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


@pytest.fixture
def drawn(assembly, pool, org_admin):
    services.public_draw(actor=org_admin, assembly=assembly, seed="matrice")
    return assembly


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


MANAGE = {  # back office: organisers only (302: login; 403: staff without the right)
    "": [302, 403, 403, 403, 200, 200, 403],
    "?s=campaign": [302, 403, 403, 403, 200, 200, 403],
    "?s=volunteers": [302, 403, 403, 403, 200, 200, 403],
    "?s=quotas": [302, 403, 403, 403, 200, 200, 403],
    "?s=draw": [302, 403, 403, 403, 200, 200, 403],
    "?s=panel": [302, 403, 403, 403, 200, 200, 403],
    "?s=sessions": [302, 403, 403, 403, 200, 200, 403],
    "?s=letters": [302, 403, 403, 403, 200, 200, 403],
    "?s=calls": [302, 403, 403, 403, 200, 200, 403],
    "?s=inputs&file=people.csv": [302, 403, 403, 403, 200, 200, 403],
    "?s=nonsense": [302, 403, 403, 403, 404, 404, 403],
}
FRONT = {
    "": [200] * 7,
    "?v=composition": [200] * 7,
    "?v=report&round=1": [200] * 7,
    "?v=report-json&round=1": [200] * 7,
    "?v=phone": [302, 403, 403, 200, 200, 200, 403],
    "?v=nonsense": [404] * 7,
}


def test_authorization_matrix(drawn, people):
    clients = {role: _client(people[role]) for role in ROLES}
    manage = f"/gestion/composants/{drawn.component_id}/contenu/"
    front = f"/participer/convention/c/{drawn.component_id}/"
    got, expected = {}, {}
    for base, table in ((manage, MANAGE), (front, FRONT)):
        for query, statuses in table.items():
            got[base + query] = [clients[r].get(base + query).status_code for r in ROLES]
            expected[base + query] = statuses
    assert got == expected


def test_posts_are_refused_to_non_organisers(assembly, people):
    manage = f"/gestion/composants/{assembly.component_id}/contenu/?s=campaign"
    for role in ("citizen", "moderator", "agent", "other_org_admin"):
        response = _client(people[role]).post(manage, {"op": "phones", "prefixes": "06",
                                                       "count": "5"})
        assert response.status_code == 403, role
    assert not Recipient.objects.filter(kind="phone").exists()
    response = _client(people["organiser"]).post(manage, {"op": "phones", "prefixes": "06",
                                                          "count": "5"})
    assert response.status_code == 302
    assert Recipient.objects.filter(kind="phone").count() == 5


def test_personal_data_only_in_organiser_pages(drawn, people):
    volunteer = Volunteer.objects.filter(status="selected").first()
    name = f"Prénom{Volunteer.objects.filter(pk__lt=volunteer.pk).count()}"
    assert volunteer.first_name == name
    front = f"/participer/convention/c/{drawn.component_id}/"
    for role in ROLES:
        client = _client(people[role])
        for query in ("", "?v=composition", "?v=report&round=1", "?v=report-json&round=1",
                      "?v=report-html&round=1"):
            text = client.get(front + query).content.decode()
            assert name not in text and volunteer.email not in text, (role, query)
    page = _client(people["organiser"]).get(
        f"/gestion/composants/{drawn.component_id}/contenu/?s=volunteers").content.decode()
    assert name in page and volunteer.email in page and volunteer.address in page


def test_composition_page(drawn):
    page = Client().get(f"/participer/convention/c/{drawn.component_id}/?v=composition")
    text = page.content.decode()
    seated = Volunteer.objects.filter(status="selected")
    women = sum(v.answers["Genre"] == "Femme" for v in seated)
    assert f"{round(100 * women / 6, 1)} % ({women})".replace(".", ",") in text or \
        f"{round(100 * women / 6, 1)} % ({women})" in text
    assert "52.0 %" in text or "52,0 %" in text


def test_retention_date_deletes_personal_data(drawn, org_admin):
    today = timezone.localdate()
    drawn.data_retention_until = today + dt.timedelta(days=1)
    drawn.save()
    call_command("purge_assembly_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Volunteer.objects.exclude(last_name="").exists()  # not yet
    drawn.data_retention_until = today
    drawn.save()
    panel_before = Volunteer.objects.filter(status="selected").count()
    call_command("purge_assembly_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Volunteer.objects.exclude(last_name="", first_name="", email="", address="",
                                         phone="", postcode="").exists()
    assert not Recipient.objects.exclude(address="", name="", phone="").exists()
    assert Volunteer.objects.filter(status="selected").count() == panel_before
    assert Volunteer.objects.filter(personal_data_deleted=True).count() == 22
    drawn.refresh_from_db()
    assert drawn.data_purged_at is not None and not drawn.registration_open
    # the public composition and reports remain
    front = f"/participer/convention/c/{drawn.component_id}/"
    assert Client().get(front + "?v=composition").status_code == 200
    # the draw's input files are gone with the personal data: a message, not an error
    response = _client(org_admin).get(f"/gestion/composants/{drawn.component_id}/contenu/"
                                      "?s=inputs&file=people.csv", follow=True)
    assert response.status_code == 200
    assert "Aucun volontaire ne peut encore participer au tirage" in response.content.decode()


def test_celery_task_purges(drawn):
    from parlons.platform.assemblies.tasks import purge_expired_personal_data

    drawn.data_retention_until = timezone.localdate() - dt.timedelta(days=3)
    drawn.save()
    assert purge_expired_personal_data.delay().get() == [drawn.pk]
    assert purge_expired_personal_data.delay().get() == []


def test_personal_data_registry(assembly, codes, register, citizen):
    volunteer = register(assembly, codes[0], first_name="Zoé")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=citizen)
    exported = personal_data.export_all(citizen)["assemblies"]
    assert exported["registrations"][0]["first_name"] == "Zoé"
    assert exported["registrations"][0]["answers"] == {"Genre": "Femme", "Âge": "35-59 ans"}
    json.dumps(exported)
    personal_data.anonymise_all(citizen)
    volunteer.refresh_from_db()
    assert (volunteer.user, volunteer.first_name, volunteer.email) == (None, "", "")
    assert volunteer.answers == {"Genre": "Femme", "Âge": "35-59 ans"}


def test_deleting_the_space_deletes_everything(drawn, org_admin):
    client = _client(org_admin)
    space = drawn.component.space
    response = client.post(f"/gestion/espaces/{space.pk}/supprimer/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not Volunteer.objects.exists() and not Recipient.objects.exists()
