"""The map: recompute task every N votes (eager Celery), results page, Polis export round trip,
demo loader."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from django.conf import settings
from django.test import Client


def _english() -> Client:
    """A client that chose English (the language cookie wins over Accept-Language)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _planted(opinions, make_user, n_people=20, via_services=False):
    """Two camps: camp 0 agrees with statements 0-2 and disagrees with 3-5, camp 1 the
    opposite; everybody agrees with statement 6. Votes go through ``services.cast_vote`` (signed-in
    people) or are bulk-created (browser participants). Returns ({participant_id: camp},
    statements)."""
    from parlons.platform.opinions import services
    from parlons.platform.opinions.models import Participant, Statement, Vote

    for text in ("Une piste cyclable.", "Un parking.", "Des bancs.", "Une fontaine."):
        Statement.objects.create(component=opinions, text=text, state="accepted")
    statements = list(opinions.opinion_statements.order_by("pk"))[:7]
    camps, bulk = {}, []
    for i in range(n_people):
        camp = i % 2
        user = make_user() if via_services else None
        participant = (services.participant_for(opinions, user=user) if via_services else
                       Participant.objects.create(component=opinions, browser_id=f"b{i}"))
        camps[participant.pk] = camp
        for j, st in enumerate(statements):
            value = "agree" if j == 6 or (j < 3) == (camp == 0) else "disagree"
            if via_services:
                services.cast_vote(actor=user, component=opinions, participant=participant,
                                   statement_id=st.pk, value=value)
            else:
                bulk.append(Vote(component=opinions, participant=participant, statement=st,
                                 value=services.VOTE_VALUES[value]))
    Vote.objects.bulk_create(bulk)
    return camps, statements


@pytest.mark.django_db
def test_task_recomputes_every_n_votes(opinions, make_user, django_capture_on_commit_callbacks):
    from parlons.platform.opinions.models import OpinionMap, Vote

    opinions.settings = {"recompute_every": 35}
    opinions.save()
    with django_capture_on_commit_callbacks(execute=True):
        camps, statements = _planted(opinions, make_user, via_services=True)
    row = OpinionMap.objects.get(component=opinions)
    assert row.n_votes == 140  # recomputed at 35, 70, 105 and 140 votes
    assert row.last_vote_id == Vote.objects.order_by("-pk").first().pk
    # the two planted camps are the two groups
    groups = {int(m): g["id"] for g in row.result["groups"] for m in g["members"]}
    assert row.result["k"] == 2
    by_camp = {camp: {groups[pid] for pid, c in camps.items() if c == camp} for camp in (0, 1)}
    assert len(by_camp[0]) == 1 and len(by_camp[1]) == 1 and by_camp[0] != by_camp[1]
    consensus = [e["statement"] for e in row.result["consensus"]["agree"]]
    assert statements[6].pk in consensus
    assert row.svg.startswith("<svg") and 'role="img"' in row.svg


@pytest.mark.django_db
def test_no_recompute_before_n_votes(opinions, make_user, django_capture_on_commit_callbacks):
    from parlons.platform.opinions.models import OpinionMap

    with django_capture_on_commit_callbacks(execute=True):  # default: every 50 votes
        _planted(opinions, make_user, n_people=6, via_services=True)  # 42 votes
    assert not OpinionMap.objects.filter(component=opinions).exists()


@pytest.mark.django_db
def test_organiser_recompute_and_results_page(opinions, make_user, org_moderator, opinions_url,
                                              django_capture_on_commit_callbacks):
    from parlons.platform.opinions.models import OpinionMap

    _planted(opinions, make_user)
    client = _english()
    client.force_login(org_moderator)
    assert "not been computed" in client.get(opinions_url + "?view=results").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(opinions_url + "?view=moderate", {"action": "recompute"})
    assert response.status_code == 302
    assert OpinionMap.objects.get(component=opinions).n_votes == 140
    page = _english().get(opinions_url + "?view=results")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Group A" in html and "Group B" in html
    assert "<title>Group A, 10 participants</title>" in html
    assert "20 participants placed by their votes on 7 statements, in 2 groups" in html
    assert "Garder le marché du samedi." in html
    assert len(page.context["groups"]) == 2
    assert {g["size"] for g in page.context["groups"]} == {10}


@pytest.mark.django_db
def test_recompute_keeps_smoother_state(opinions, make_user):
    from parlons.platform.opinions.computation import recompute

    _planted(opinions, make_user)
    first = recompute(opinions.pk)
    second = recompute(opinions.pk)
    assert first.state and second.state
    assert second.result["k"] == first.result["k"] == 2


@pytest.mark.django_db
def test_polis_export_round_trip(opinions, make_user, org_admin, opinions_url, tmp_path):
    from parlons.core.opinions import read_polis_export
    from parlons.platform.opinions.computation import recompute
    from parlons.platform.opinions.models import Statement, Vote

    camps, statements = _planted(opinions, make_user)
    Statement.objects.create(component=opinions, text="Refusée, avec une virgule, \"citée\"",
                             state="rejected")
    recompute(opinions.pk)
    client = Client()
    client.force_login(org_admin)
    response = client.get(opinions_url + "?view=export")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["comments.csv", "participants-votes.csv",
                                              "votes.csv"]
        archive.extractall(tmp_path)
    conv = read_polis_export(tmp_path)
    db = {(p, s): v for p, s, v in Vote.objects.values_list("participant_id", "statement_id",
                                                            "value")}
    got = {(int(conv.participant_ids[p]), int(conv.statement_ids[s])): int(v)
           for p, s, v in zip(conv.vote_participant, conv.vote_statement, conv.vote_value,
                              strict=True)}
    assert got == db
    texts = dict(zip(conv.statement_ids.tolist(), conv.statement_texts, strict=True))
    assert texts == dict(Statement.objects.values_list("pk", "text"))
    moderation = dict(zip(conv.statement_ids.tolist(), conv.moderation.tolist(), strict=True))
    assert {v for k, v in moderation.items()} == {1, -1}
    # the wide file alone gives the same votes, and carries our groups
    (tmp_path / "votes.csv").unlink()
    wide = read_polis_export(tmp_path)
    assert wide.n_votes == len(db)
    ref = dict(zip(wide.participant_ids.tolist(), wide.reference_groups.tolist(), strict=True))
    for camp in (0, 1):
        assert len({ref[p] for p, c in camps.items() if c == camp}) == 1
    assert np.all(wide.reference_groups >= 0)


@pytest.mark.django_db
def test_demo_loader_builds_groups(organisation):
    from parlons.platform.opinions import demo
    from parlons.platform.opinions.models import OpinionMap, Participant, Vote
    from parlons.platform.web.demo import load

    load(seed=7)
    row = OpinionMap.objects.get(component__title__startswith="Ce que vous pensez")
    assert Participant.objects.filter(component=row.component).count() == demo.N_PARTICIPANTS
    assert row.n_votes == Vote.objects.filter(component=row.component).count() > 2000
    assert 2 <= row.result["k"] <= 3
    step = row.component.steps.get()
    assert sorted(step.actions) == ["submit_statement", "vote"]
    assert step.phase.title == "Contributions"
    load(seed=7)  # idempotent
    assert Participant.objects.filter(component=row.component).count() == demo.N_PARTICIPANTS


@pytest.mark.django_db
def test_recompute_and_export_permissions(people_for_map, opinions, opinions_url,
                                          django_capture_on_commit_callbacks):
    from parlons.platform.opinions.models import OpinionMap

    statuses = []
    for role, person in people_for_map.items():
        client = Client()
        if person is not None:
            client.force_login(person)
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(client.post(opinions_url + "?view=moderate",
                                        {"action": "recompute"}).status_code)
        if role == "citizen":
            assert not OpinionMap.objects.filter(component=opinions).exists()
    assert statuses == [302, 403, 302, 302, 302, 403]
    assert OpinionMap.objects.filter(component=opinions).exists()


@pytest.fixture
def people_for_map(citizen, org_moderator, process_admin, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "moderator": org_moderator,
            "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


@pytest.mark.django_db
def test_search_finds_accepted_statements_only(opinions):
    from parlons.platform.opinions.models import Statement
    from parlons.platform.opinions.views import search_component

    Statement.objects.create(component=opinions, text="Un kiosque à musique", state="pending")
    assert search_component([opinions], "arbres") == [opinions]
    assert search_component([opinions], "kiosque") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_recompute_waits_for_the_map_row_lock(opinions, make_user):
    import threading
    import time

    from django.db import transaction

    from parlons.platform.opinions.computation import recompute
    from parlons.platform.opinions.models import OpinionMap

    _planted(opinions, make_user, n_people=4)
    OpinionMap.objects.create(component=opinions)
    locked, done = threading.Event(), {}

    def holder():
        from django.db import connection as conn
        try:
            with transaction.atomic():
                OpinionMap.objects.select_for_update().get(component=opinions)
                locked.set()
                time.sleep(1.0)
                done["holder"] = time.monotonic()
        finally:
            conn.close()

    thread = threading.Thread(target=holder)
    thread.start()
    locked.wait(10)
    row = recompute(opinions.pk)
    done["recompute"] = time.monotonic()
    thread.join()
    assert done["recompute"] >= done["holder"]
    assert row.n_votes == 28


@pytest.mark.django_db
@pytest.mark.parametrize("n_people", [0, 1, 2, 3])
def test_recompute_with_very_few_votes(n_people, opinions, make_user, opinions_url):
    from parlons.platform.opinions.computation import recompute

    _planted(opinions, make_user, n_people=n_people)
    row = recompute(opinions.pk)
    assert row.n_votes == 7 * n_people
    assert Client().get(opinions_url + "?view=results").status_code == 200
