"""Registration by code: online and by phone, one registration per code, rate limit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from parlons.platform.assemblies import services
from parlons.platform.assemblies.models import Volunteer

pytestmark = pytest.mark.django_db


def _url(assembly, query="?v=register"):
    return f"/participer/convention/c/{assembly.component_id}/{query}"


def _form(assembly, code, **extra):
    features = {f.name: f.pk for f in assembly.features.all()}
    data = {"code": code, "first_name": "Zoé", "last_name": "Lambert",
            "email": "zoe@example.org", f"q{features['Genre']}": "Femme",
            f"q{features['Âge']}": "16-34 ans", "consent": "on"}
    data.update(extra)
    return data


def test_service_checks(assembly, codes, register):
    volunteer = register(assembly, codes[0].lower().replace("-", " "))  # typed loosely
    assert volunteer.recipient.code == codes[0]
    assert volunteer.address == volunteer.recipient.address  # from the letter: households
    with pytest.raises(ValidationError, match="already used"):
        register(assembly, codes[0])
    with pytest.raises(ValidationError, match="not valid"):
        register(assembly, "AAAA-BBBB-CCCC")
    with pytest.raises(ValidationError, match="Answer the question"):
        register(assembly, codes[1], age="18 ans")
    with pytest.raises(ValidationError, match="consent"):
        services.register_volunteer(assembly=assembly, code=codes[1], contact={"last_name": "X",
                                    "email": "x@example.org"}, answers={}, consent=False)
    with pytest.raises(ValidationError, match="e-mail address or a phone"):
        register(assembly, codes[1], email="")
    assembly.registration_open = False
    assembly.save()
    with pytest.raises(ValidationError, match="closed"):
        register(assembly, codes[1])
    assert Volunteer.objects.count() == 1


def test_online_registration_form(assembly, codes, citizen):
    client = Client()  # pages in French, the default language
    client.force_login(citizen)
    page = client.get(_url(assembly)).content.decode()
    assert "Genre" in page and "16-34 ans" in page and 'name="consent"' in page
    response = client.post(_url(assembly), _form(assembly, codes[2]))
    assert response.status_code == 200
    assert "vous êtes inscrit" in response.content.decode()
    volunteer = Volunteer.objects.get()
    assert (volunteer.user, volunteer.channel, volunteer.answers) == (
        citizen, "online", {"Genre": "Femme", "Âge": "16-34 ans"})
    response = client.post(_url(assembly), _form(assembly, codes[2]))
    assert response.status_code == 400
    assert "Ce code a déjà servi" in response.content.decode()
    response = client.post(_url(assembly), _form(assembly, codes[3], consent=""))
    assert response.status_code == 400 and Volunteer.objects.count() == 1


def test_registration_page_in_french(assembly, codes):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post(_url(assembly), _form(assembly, "ZZZZ-ZZZZ-ZZZZ"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Ce code n&#x27;est pas valide" in text or "Ce code n'est pas valide" in text, text


def test_code_form_is_rate_limited(assembly, codes, settings):
    client = Client()
    statuses = [client.post(_url(assembly), _form(assembly, f"WRONG{n:07d}")).status_code
                for n in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    # the limit also stops a correct code from the same address
    assert client.post(_url(assembly), _form(assembly, codes[0])).status_code == 429
    assert not Volunteer.objects.exists()


def test_phone_registration_by_agent(assembly, codes, org_agent, citizen, org_moderator):
    url = _url(assembly, "?v=phone")
    assert Client().get(url).status_code == 302
    for person in (citizen, org_moderator):
        client = Client()
        client.force_login(person)
        assert client.get(url).status_code == 403
        with pytest.raises(PermissionDenied):
            services.register_volunteer(assembly=assembly, code=codes[0], contact={},
                                        answers={}, consent=True, agent=person)
    client = Client()
    client.force_login(org_agent)
    response = client.post(url, _form(assembly, codes[4], email="", phone="0612345678"))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.channel, volunteer.entered_by, volunteer.user) == ("phone", org_agent, None)
    # agents are not rate limited by the public code form
    for n in range(12):
        client.post(url, _form(assembly, f"WRONG{n:07d}"))
    assert client.post(url, _form(assembly, codes[5])).status_code == 302
