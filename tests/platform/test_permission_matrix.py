"""Every view of the spine × every role: who gets the page, who is refused, who is sent to log in.

Expected answers: 200 (allowed), 302 (anonymous sent to the login page), 403 (logged in but not
allowed), 404 (the object is hidden from this person)."""

from __future__ import annotations

import pytest
from django.test import Client

ROLES = ["anonymous", "citizen", "moderator", "evaluator", "process_admin", "org_admin",
         "other_org_admin"]

# view → expected status per role, in the order of ROLES
FRONT = [200, 200, 200, 200, 200, 200, 200]
ORG_ADMIN_ONLY = [302, 403, 403, 403, 403, 200, 403]
SPACE_ADMINS = [302, 403, 403, 403, 200, 200, 403]
STAFF = [302, 403, 200, 200, 200, 200, 403]

MATRIX = {
    "/": FRONT,
    "/participer/": FRONT,
    "/participer/{slug}/": FRONT,
    "/participer/{slug}/c/{page}/": FRONT,
    "/recherche/?q=arbres": FRONT,
    "/plan-du-site/": FRONT,
    "/sitemap.xml": FRONT,
    "/accessibilite/": FRONT,
    "/informations/legal-notice/": FRONT,
    "/informations/privacy/": FRONT,
    "/informations/terms/": FRONT,
    "/theme.css": FRONT,
    "/compte/connexion/": FRONT,
    "/compte/inscription/": [200, 302, 302, 302, 302, 302, 302],  # signed-in people go to their profile
    "/compte/mot-de-passe/": FRONT,
    "/compte/profil/": [302, 200, 200, 200, 200, 200, 200],
    "/compte/donnees-demographiques/": [302, 200, 200, 200, 200, 200, 200],
    "/compte/suppression/": [302, 200, 200, 200, 200, 200, 200],
    "/compte/mes-donnees/": [302, 200, 200, 200, 200, 200, 200],
    "/gestion/": STAFF,
    "/gestion/organisation/": ORG_ADMIN_ONLY,
    "/gestion/roles/": ORG_ADMIN_ONLY,
    "/gestion/territoire/": ORG_ADMIN_ONLY,
    "/gestion/espaces/nouveau/": [302, 403, 403, 403, 403, 200, 403],
    "/gestion/espaces/{space}/": SPACE_ADMINS,
    "/gestion/espaces/{space}/phases/": SPACE_ADMINS,
    "/gestion/phases/{phase}/": SPACE_ADMINS,
    "/gestion/espaces/{space}/composants/": SPACE_ADMINS,
    "/gestion/composants/{page}/": SPACE_ADMINS,
    "/gestion/composants/{page}/contenu/": SPACE_ADMINS,
    "/gestion/espaces/{space}/roles/": SPACE_ADMINS,
}


@pytest.fixture
def people(citizen, org_moderator, org_evaluator, process_admin, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "evaluator": org_evaluator, "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(MATRIX))
def test_get_matrix(url, people, process):
    page = process.components.get(kind="page")
    phase = process.phases.first()
    concrete = url.format(slug=process.slug, space=process.pk, page=page.pk, phase=phase.pk)
    got = [_client(people[role]).get(concrete).status_code for role in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, MATRIX[url], strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("space_state", ["private", "unpublished"])
def test_hidden_spaces(space_state, people, process, make_user):
    from parlons.platform.spaces.models import SpaceRole

    if space_state == "private":
        process.visibility = "private"
    else:
        process.is_published = False
    process.save()
    member = make_user("membre@example.org")
    SpaceRole.objects.create(space=process, user=member, role="member")
    people = {**people, "member": member}
    expected = {"anonymous": 404, "citizen": 404, "moderator": 404, "evaluator": 404,
                "process_admin": 200, "org_admin": 200, "other_org_admin": 404,
                "member": 200 if space_state == "private" else 404}
    got = {role: _client(p).get(f"/participer/{process.slug}/").status_code
           for role, p in people.items()}
    assert got == expected
    home = {role: process.title in _client(p).get("/").content.decode()
            for role, p in people.items()}
    assert home == {role: status == 200 for role, status in expected.items()}


POSTS = [
    ("/gestion/espaces/{space}/phases/", {"form": "phase", "title": "Vote",
                                          "start_date": "2031-01-01", "end_date": "2031-02-01"}),
    ("/gestion/espaces/{space}/composants/", {"kind": "page", "title": "Nouvelle page"}),
    ("/gestion/phases/{phase}/supprimer/", {}),
    ("/gestion/composants/{page}/supprimer/", {}),
    ("/gestion/espaces/{space}/supprimer/", {"confirm": "yes"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "data"), POSTS)
@pytest.mark.parametrize("role", ["anonymous", "citizen", "moderator", "evaluator",
                                  "other_org_admin"])
def test_refused_writes_change_nothing(url, data, role, people, process):
    from parlons.platform.spaces.models import Component, Phase, Space

    page = process.components.get(kind="page")
    phase = process.phases.first()
    before = (Space.objects.count(), Phase.objects.count(), Component.objects.count())
    response = _client(people[role]).post(
        url.format(space=process.pk, page=page.pk, phase=phase.pk), data)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/compte/connexion/" in response["Location"]
    assert (Space.objects.count(), Phase.objects.count(), Component.objects.count()) == before


@pytest.mark.django_db
def test_other_organisation_admin_sees_nothing_on_its_own_host(other_org_admin, process):
    """On its own organisation's address, the other admin cannot reach our objects by id."""
    client = _client(other_org_admin)
    host = {"HTTP_HOST": "val.testserver"}
    page = process.components.get(kind="page")
    assert client.get("/gestion/", **host).status_code == 200
    for url in (f"/gestion/espaces/{process.pk}/", f"/gestion/espaces/{process.pk}/phases/",
                f"/gestion/composants/{page.pk}/", f"/participer/{process.slug}/"):
        assert client.get(url, **host).status_code == 404, url
    response = client.post(f"/gestion/espaces/{process.pk}/supprimer/", {"confirm": "yes"},
                           **host)
    assert response.status_code == 404
    assert process.title not in client.get("/gestion/", **host).content.decode()
    assert process.title not in client.get("/", **host).content.decode()
