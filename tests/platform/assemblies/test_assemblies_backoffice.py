"""The organisers' back office over HTTP: every form answers with a message, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parlons.platform.assemblies.models import PanelSession, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(organiser):
    client = Client()  # messages in French, the default language
    client.force_login(organiser)
    return client


def _url(assembly, section):
    return f"/gestion/composants/{assembly.component_id}/contenu/?s={section}"


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_campaign_forms(admin_client, assembly):
    url = _url(assembly, "campaign")
    bad = SimpleUploadedFile("a.csv", b"adresse,code postal,ville\n1 rue X,ABCDE,Y\n")
    response = admin_client.post(url, {"op": "import", "file": bad}, follow=True)
    assert "Ligne 2 : « ABCDE » n'est pas un code postal" in _messages(response)
    good = SimpleUploadedFile("a.csv", b"adresse,code postal,ville\n1 rue X,45000,Y\n")
    response = admin_client.post(url, {"op": "import", "file": good}, follow=True)
    assert "1 adresses ont été importées" in _messages(response)
    response = admin_client.post(url, {"op": "phones", "prefixes": "06 12\n+33 7",
                                       "count": "abc"}, follow=True)
    assert "entre 1 et 50 000" in _messages(response)
    response = admin_client.post(url, {"op": "invite", "kind": "address", "count": "99"},
                                 follow=True)
    assert "Il ne reste que 7 destinataires" in _messages(response)
    response = admin_client.post(url, {"op": "invite", "kind": "address", "count": "2",
                                       "seed": "relance"}, follow=True)
    assert "relance" in response.content.decode()  # listed among the invitation draws
    assert admin_client.post(url, {"op": "nonsense"}).status_code == 404


def test_quotas_simulation_draw_panel_sessions(admin_client, assembly, pool):
    census = SimpleUploadedFile("c.csv", b"feature,value,share\nGenre,Femme,52\n")
    response = admin_client.post(_url(assembly, "quotas"), {"op": "import", "file": census},
                                 follow=True)
    assert "totalisent 52 au lieu de 100" in _messages(response)
    values = {v.value: v.pk for v in assembly.features.get(name="Genre").values.all()}
    response = admin_client.post(_url(assembly, "quotas"), {
        "op": "shares", f"share-{values['Femme']}": "50", f"share-{values['Homme']}": "50"},
        follow=True)
    assert "quotas recalculés" in _messages(response)
    response = admin_client.post(_url(assembly, "quotas"), {"op": "simulate",
                                                            "algorithm": "maximin"}, follow=True)
    page = response.content.decode()
    assert "La simulation est faite" in _messages(response)
    assert "Probabilité de sélection minimale" in page
    assembly.refresh_from_db()
    assert assembly.simulation["algorithm"] == "maximin" and assembly.simulation["pool"] == 22
    assert admin_client.post(_url(assembly, "quotas"), {"op": "simulate",
                                                       "algorithm": "magic"}).status_code == 404
    response = admin_client.post(_url(assembly, "draw"), {"op": "replace", "seed": "r"},
                                 follow=True)
    assert "Tirez d'abord l'assemblée au sort" in _messages(response)  # from the task
    assert "Dernier calcul" in response.content.decode()
    response = admin_client.post(_url(assembly, "draw"), {"seed": "x" * 201}, follow=True)
    assert "au plus 200 caractères" in _messages(response)
    response = admin_client.post(_url(assembly, "draw"), {"seed": "Loto du samedi"},
                                 follow=True)
    assert "Le tirage est fait" in _messages(response)
    assert Volunteer.objects.filter(status="selected").count() == 6
    member = Volunteer.objects.filter(status="selected").first()
    admin_client.post(_url(assembly, "panel"), {"volunteer": member.pk, "op": "decline"})
    member.refresh_from_db()
    assert member.status == "declined"
    response = admin_client.post(_url(assembly, "draw"), {"op": "replace", "seed": "r"},
                                 follow=True)
    assert "Le tirage est fait" in _messages(response)
    assert assembly.draws.count() == 2
    response = admin_client.post(_url(assembly, "sessions"), {"title": "S1", "date": "demain"},
                                 follow=True)
    assert "date valide" in _messages(response)
    admin_client.post(_url(assembly, "sessions"), {"title": "S1", "date": "2026-12-05"})
    session = PanelSession.objects.get()
    seated = list(Volunteer.objects.filter(status__in=["selected", "confirmed"]))
    admin_client.post(_url(assembly, "sessions"), {
        "op": "attendance", "session": session.pk, "present": [seated[0].pk, "x"]})
    assert list(session.attendance.filter(present=True).values_list("volunteer", flat=True)) \
        == [seated[0].pk]
    page = admin_client.get(_url(assembly, "sessions")).content.decode()
    assert "1 présent" in page
