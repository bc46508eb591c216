import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_smoke(component, citizen, publish, org_moderator, org_evaluator):
    p = publish(citizen)
    c = Client()
    c.force_login(citizen)
    r = c.get(f"/participer/{component.space.slug}/c/{component.pk}/")
    assert r.status_code == 200, r.content[:2000]
    r = c.get(f"/propositions/{component.pk}/{p.pk}/")
    assert r.status_code == 200
    r = c.post(f"/propositions/{component.pk}/{p.pk}/soutien/")
    assert r.status_code == 302
    r = c.post(f"/propositions/{component.pk}/{p.pk}/commenter/", {"body": "Bonne idée", "alignment": "1"})
    assert r.status_code == 302
    r = c.get(f"/propositions/{component.pk}/{p.pk}/")
    assert b"Bonne id" in r.content
    r = c.get(f"/propositions/{component.pk}/nouvelle/")
    assert r.status_code == 200
    r = c.post(f"/propositions/{component.pk}/nouvelle/", {"title": "Des arbres sur la place", "body": "Des arbres pour l'ombre en été"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    r = c.get(r["Location"])
    assert r.status_code == 200
    assert b"Planter" in r.content
    c.force_login(org_moderator)
    assert c.get("/propositions/moderation/").status_code == 200
    c.force_login(org_evaluator)
    assert c.get(f"/propositions/{component.pk}/reponses/").status_code == 200
    assert c.get(f"/propositions/{component.pk}/{p.pk}/reponse/").status_code == 200
