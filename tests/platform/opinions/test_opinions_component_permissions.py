"""Every view and action of the opinions component × every role × phase open or closed.

Expected: 200 page, 302 (anonymous sent to log in, or redirect after a successful POST),
403 refused, and for POSTs whether something was written."""

from __future__ import annotations

import pytest
from django.test import Client

ROLES = ["anonymous", "citizen", "moderator", "process_admin", "org_admin", "other_org_admin"]
MODERATORS = [302, 403, 200, 200, 200, 403]
GET_MATRIX = {
    "": [200] * 6,
    "?view=results": [200] * 6,
    "?view=moderate": MODERATORS,
    "?view=export": MODERATORS,
}


@pytest.fixture
def people(citizen, org_moderator, process_admin, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("query", list(GET_MATRIX))
def test_front_views(query, people, opinions_url):
    got = [_client(people[r]).get(opinions_url + query).status_code for r in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, GET_MATRIX[query], strict=True))


@pytest.mark.django_db
def test_backoffice_manage_view(people, opinions):
    url = f"/gestion/composants/{opinions.pk}/contenu/"
    got = [_client(people[r]).get(url).status_code for r in ROLES]
    assert got == [302, 403, 403, 200, 200, 403]


@pytest.mark.django_db
def test_results_hidden_when_not_public(people, opinions, opinions_url):
    opinions.settings = {"results_public": False}
    opinions.save()
    got = [_client(people[r]).get(opinions_url + "?view=results").status_code for r in ROLES]
    assert got == [403, 403, 200, 200, 200, 403]


def _statement(opinions):
    return opinions.opinion_statements.first()


@pytest.mark.django_db
@pytest.mark.parametrize(("phase_open", "anonymous"),
                         [(True, False), (True, True), (False, False), (False, True)])
def test_vote_matrix(phase_open, anonymous, people, opinions, opinions_url):
    from parlons.platform.opinions.models import Vote

    if not phase_open:
        opinions.steps.update(actions=[])
    opinions.settings = {"anonymous": anonymous}
    opinions.save()
    statement = _statement(opinions)
    statuses, written = [], []
    for role in ROLES:
        before = Vote.objects.count()
        response = _client(people[role]).post(
            opinions_url, {"action": "vote", "statement": statement.pk, "value": "agree"})
        statuses.append(response.status_code)
        written.append(Vote.objects.count() - before)
        if response.status_code == 302 and role == "anonymous":
            is_login = "/compte/connexion/" in response["Location"]
            assert is_login == (not (phase_open and anonymous))
    if phase_open:
        assert statuses == [302] * 6
        assert written == [int(anonymous), 1, 1, 1, 1, 1]
    else:
        assert statuses == [302, 403, 403, 403, 403, 403]
        assert written == [0] * 6


@pytest.mark.django_db
@pytest.mark.parametrize("phase_open", [True, False])
def test_submit_statement_matrix(phase_open, people, opinions, opinions_url):
    from parlons.platform.opinions.models import Statement

    if not phase_open:
        opinions.steps.update(actions=["vote"])
    statuses, written = [], []
    for role in ROLES:
        before = Statement.objects.count()
        response = _client(people[role]).post(
            opinions_url, {"action": "submit_statement", "text": f"Idée de {role}"})
        statuses.append(response.status_code)
        written.append(Statement.objects.count() - before)
    assert statuses == ([302] * 6 if phase_open else [302, 403, 403, 403, 403, 403])
    assert written == ([0, 1, 1, 1, 1, 1] if phase_open else [0] * 6)
    assert not Statement.objects.filter(text__startswith="Idée", state="accepted").exists()


@pytest.mark.django_db
def test_moderation_matrix(people, opinions, opinions_url):
    from parlons.platform.opinions.models import Statement

    statuses, accepted = [], []
    for role in ROLES:
        pending = Statement.objects.create(component=opinions, text=f"À modérer {role}")
        response = _client(people[role]).post(
            opinions_url + "?view=moderate", {"action": "accept", "statement": pending.pk})
        statuses.append(response.status_code)
        pending.refresh_from_db()
        accepted.append(pending.state == "accepted")
    assert statuses == [302, 403, 302, 302, 302, 403]
    assert accepted == [False, False, True, True, True, False]


@pytest.mark.django_db
def test_seed_in_backoffice_matrix(people, opinions):
    from parlons.platform.opinions.models import Statement

    url = f"/gestion/composants/{opinions.pk}/contenu/"
    statuses = []
    for role in ROLES:
        statuses.append(_client(people[role]).post(
            url, {"action": "seed", "seed-text": f"Semée par {role}"}).status_code)
    assert statuses == [302, 403, 403, 302, 302, 403]
    seeded = set(Statement.objects.filter(text__startswith="Semée").values_list("text",
                                                                              flat=True))
    assert seeded == {"Semée par process_admin", "Semée par org_admin"}


@pytest.mark.django_db
def test_other_organisation_cannot_reach_component(other_org_admin, opinions):
    client = _client(other_org_admin)
    url = f"/participer/{opinions.space.slug}/c/{opinions.pk}/"
    assert client.get(url, HTTP_HOST="val.testserver").status_code == 404
    assert client.get(f"/gestion/composants/{opinions.pk}/contenu/",
                      HTTP_HOST="val.testserver").status_code in (403, 404)


@pytest.mark.django_db
def test_settings_form_in_backoffice(people, opinions):
    url = f"/gestion/composants/{opinions.pk}/contenu/"
    data = {"action": "settings", "settings-anonymous": "on", "settings-submissions": "on",
            "settings-recompute_every": "20"}
    statuses = [_client(people[r]).post(url, data).status_code for r in ROLES]
    assert statuses == [302, 403, 403, 302, 302, 403]
    opinions.refresh_from_db()
    assert opinions.settings == {"anonymous": True, "submissions": True, "qualifications": False,
                                 "results_public": False, "recompute_every": 20}
    bad = _client(people["org_admin"]).post(url, {**data, "settings-recompute_every": "0"})
    assert bad.status_code == 400 and bad.context["settings_form"].errors
