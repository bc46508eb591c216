"""Voting flow, bad input, anonymous participation, rate limits, concurrent submissions."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.test import Client


def _english() -> Client:
    """A client that chose English (the language cookie wins over Accept-Language)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _vote(client, url, statement, value="agree", **extra):
    return client.post(url, {"action": "vote", "statement": statement, "value": value, **extra})


@pytest.mark.django_db
def test_citizen_votes_on_every_statement_then_is_done(citizen, opinions, opinions_url):
    from parlons.platform.opinions.models import Vote

    client = Client()
    client.force_login(citizen)
    shown = []
    for value in ("agree", "disagree", "pass"):
        page = client.get(opinions_url)
        statement = page.context["statement"]
        assert statement is not None and statement.pk not in shown
        shown.append(statement.pk)
        assert _vote(client, opinions_url, statement.pk, value).status_code == 302
    assert client.get(opinions_url).context["statement"] is None
    votes = dict(Vote.objects.filter(participant__user=citizen)
                 .values_list("statement_id", "value"))
    assert votes == dict(zip(shown, [1, -1, 0], strict=True))


@pytest.mark.django_db
def test_latest_vote_counts_and_qualification(citizen, opinions, opinions_url):
    from parlons.platform.opinions.models import Vote

    client = Client()
    client.force_login(citizen)
    sid = opinions.opinion_statements.first().pk
    _vote(client, opinions_url, sid, "disagree")
    _vote(client, opinions_url, sid, "agree", qualification="realistic")
    vote = Vote.objects.get()
    assert (vote.value, vote.qualification) == (1, "realistic")
    _vote(client, opinions_url, sid, "pass", qualification="favourite")  # only with agree
    vote.refresh_from_db()
    assert (vote.value, vote.qualification) == (0, "")


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    ({"statement": "999999", "value": "agree"}, "Unknown statement"),
    ({"statement": "abc", "value": "agree"}, "Unknown statement"),
    ({"statement": "", "value": "agree"}, "Unknown statement"),
    ({"value": "strongly-agree"}, "Unknown vote"),
    ({"value": "1"}, "Unknown vote"),
    ({"value": "agree", "qualification": "magnifique"}, "Unknown qualification"),
    ({"value": "agree", "action": "delete"}, "Unknown action"),
])
def test_bad_vote_is_400_and_writes_nothing(data, message, citizen, opinions, opinions_url):
    from parlons.platform.opinions.models import Participant, Vote

    client = _english()
    client.force_login(citizen)
    payload = {"action": "vote", "statement": opinions.opinion_statements.first().pk, **data}
    response = client.post(opinions_url, payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Vote.objects.count() == 0 and Participant.objects.count() == 0


@pytest.mark.django_db
def test_cannot_vote_on_pending_rejected_or_other_component(citizen, opinions, opinions_url,
                                                            process):
    from parlons.platform.opinions.models import Statement, Vote
    from parlons.platform.spaces.models import Component

    other = Component.objects.create(space=process, kind="opinions", title="Autre",
                                     is_published=True)
    foreign = Statement.objects.create(component=other, text="Ailleurs", state="accepted")
    pending = Statement.objects.create(component=opinions, text="En attente")
    rejected = Statement.objects.create(component=opinions, text="Refusée", state="rejected")
    client = Client()
    client.force_login(citizen)
    for statement in (foreign, pending, rejected):
        assert _vote(client, opinions_url, statement.pk).status_code == 400
    assert Vote.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_browser_identity_and_htmx(opinions, opinions_url):
    from parlons.platform.opinions.models import Participant, Vote

    opinions.settings = {"anonymous": True}
    opinions.save()
    browser = Client()
    first = browser.get(opinions_url).context["statement"]
    response = browser.post(opinions_url, {"action": "vote", "statement": first.pk,
                                           "value": "agree"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "opinions/_voting.html"
    assert response.context["statement"].pk != first.pk
    second = response.context["statement"]
    bad = browser.post(opinions_url, {"action": "vote", "statement": second.pk,
                                      "value": "maybe"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and [t.name for t in bad.templates][0] == "opinions/_voting.html"
    assert 'role="alert"' in bad.content.decode()
    assert _vote(browser, opinions_url, second.pk, "disagree").status_code == 302
    assert Participant.objects.count() == 1
    assert Vote.objects.filter(participant__browser_id__isnull=False).count() == 2
    # another browser is another participant; a forged cookie is ignored (new identity)
    other = Client()
    other.cookies["parlons_opinions"] = "forged-value"
    assert _vote(other, opinions_url, first.pk).status_code == 302
    assert Participant.objects.count() == 2


@pytest.mark.django_db
def test_votes_are_rate_limited_per_browser(opinions, opinions_url, settings):
    from parlons.platform.opinions.models import Vote

    settings.PARLONS_RATE_LIMITS = {**settings.PARLONS_RATE_LIMITS, "opinions_vote": "2/m"}
    opinions.settings = {"anonymous": True}
    opinions.save()
    browser = Client()
    sids = list(opinions.opinion_statements.values_list("pk", flat=True))
    codes = [_vote(browser, opinions_url, sid).status_code for sid in sids]
    assert codes == [302, 302, 429]
    assert Vote.objects.count() == 2


@pytest.mark.django_db
def test_submitted_statement_is_moderated_before_shown(citizen, org_moderator, opinions,
                                                       opinions_url):
    from parlons.platform.opinions.models import Statement

    client = Client()
    client.force_login(citizen)
    assert client.post(opinions_url, {"action": "submit_statement",
                                      "text": "  Des  fontaines  "}).status_code == 302
    submitted = Statement.objects.get(text="Des fontaines")
    assert submitted.state == "pending" and submitted.author == citizen
    assert client.post(opinions_url, {"action": "submit_statement", "text": "x" * 281}
                       ).status_code == 400
    shown = set()
    for _ in range(3):
        statement = client.get(opinions_url).context["statement"]
        shown.add(statement.pk)
        _vote(client, opinions_url, statement.pk)
    assert submitted.pk not in shown
    moderator = Client()
    moderator.force_login(org_moderator)
    moderator.post(opinions_url + "?view=moderate", {"action": "accept",
                                                     "statement": submitted.pk})
    assert client.get(opinions_url).context["statement"].pk == submitted.pk


@pytest.mark.django_db
def test_personal_data_export_and_anonymise(citizen, opinions, opinions_url):
    from parlons.platform.accounts import personal_data
    from parlons.platform.opinions.models import Participant, Vote

    client = Client()
    client.force_login(citizen)
    _vote(client, opinions_url, opinions.opinion_statements.first().pk)
    exported = personal_data.export_all(citizen)["opinions"]
    assert len(exported["votes"]) == 1
    personal_data.anonymise_all(citizen)
    assert not Participant.objects.filter(user=citizen).exists()
    assert Vote.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_double_submission_makes_one_row(citizen, opinions):
    from parlons.platform.opinions import services
    from parlons.platform.opinions.models import Vote

    statement = opinions.opinion_statements.first()
    participant = services.participant_for(opinions, user=citizen)
    barrier = threading.Barrier(8)
    errors = []

    def worker(value):
        from django.db import connection as conn
        try:
            barrier.wait()
            services.cast_vote(actor=citizen, component=opinions, participant=participant,
                               statement_id=statement.pk, value=value)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(v,))
               for v in ["agree", "disagree"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Vote.objects.filter(participant=participant, statement=statement).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_first_visits_make_one_participant(citizen, opinions):
    from parlons.platform.opinions import services
    from parlons.platform.opinions.models import Participant

    barrier = threading.Barrier(6)
    found = []

    def worker():
        from django.db import connection as conn
        try:
            barrier.wait()
            found.append(services.participant_for(opinions, user=citizen).pk)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1 and len(found) == 6
    assert Participant.objects.filter(user=citizen).count() == 1


@pytest.mark.django_db
def test_next_statement_follows_the_stored_priorities(citizen, opinions):
    import numpy as np

    from parlons.platform.opinions import selectors, services
    from parlons.platform.opinions.models import OpinionMap

    first, second, third = opinions.opinion_statements.order_by("pk")
    OpinionMap.objects.create(component=opinions, priorities={
        str(first.pk): 0.0, str(second.pk): 1e6, str(third.pk): 1.0})
    rng = np.random.default_rng(0)
    drawn = [selectors.next_statement(opinions, None, rng)[0].pk for _ in range(200)]
    assert first.pk not in drawn
    assert drawn.count(second.pk) >= 195
    participant = services.participant_for(opinions, user=citizen)
    services.cast_vote(actor=citizen, component=opinions, participant=participant,
                       statement_id=second.pk, value="agree")
    statement, done, total = selectors.next_statement(opinions, participant, rng)
    assert (statement.pk, done, total) == (third.pk, 1, 3)


@pytest.mark.django_db
def test_meta_statements_come_first_without_a_map(opinions):
    import numpy as np

    from parlons.platform.opinions import selectors
    from parlons.platform.opinions.models import Statement

    meta = Statement.objects.create(component=opinions, text="Cette consultation est utile.",
                                    state="accepted", is_meta=True)
    rng = np.random.default_rng(1)
    drawn = [selectors.next_statement(opinions, None, rng)[0].pk for _ in range(400)]
    # weights 49 (meta) against 3 × (0.5 · 0.5 · 9)² ≈ 3 × 5.06: about 76 % meta
    assert 0.68 < drawn.count(meta.pk) / 400 < 0.84
