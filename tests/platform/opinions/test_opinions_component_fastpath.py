"""The vote endpoint's query budget, coalesced recomputes, and anonymous votes joining the
account at login or sign-up."""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

PASSWORD = "motdepasse-solide-42"


def _vote(client, url, statement, value="agree", **extra):
    return client.post(url, {"action": "vote", "statement": statement, "value": value, **extra},
                       HTTP_HX_REQUEST="true")


@pytest.fixture
def anonymous_ok(opinions):
    opinions.settings = {"anonymous": True, "recompute_every": 50}
    opinions.save()
    return opinions


def _with_map(opinions):
    from parlons.platform.opinions.computation import recompute
    from parlons.platform.opinions.models import Participant, Vote

    first = opinions.opinion_statements.order_by("pk").first()
    for i in range(3):
        p = Participant.objects.create(component=opinions, browser_id=f"autre-{i}")
        Vote.objects.create(component=opinions, participant=p, statement=first, value=1)
    assert recompute(opinions.pk).priorities


# The whole request: organisation (host, then default: 2 on "testserver"), space, phases,
# components, steps; then the vote (one upsert) and the next statement (2). Signed-in people
# add their session, their user and their organisation and space roles.
ANONYMOUS_BUDGET = 9
SIGNED_IN_BUDGET = 13


@pytest.mark.django_db
@pytest.mark.parametrize("computed", [False, True], ids=["no-map", "map"])
def test_anonymous_vote_query_budget(anonymous_ok, opinions_url,
                                     django_assert_max_num_queries, computed):
    from parlons.platform.opinions.models import Vote

    if computed:
        _with_map(anonymous_ok)
    browser = Client()
    sids = list(anonymous_ok.opinion_statements.order_by("pk").values_list("pk", flat=True))
    assert _vote(browser, opinions_url, sids[0]).status_code == 200  # creates the participant
    _vote(browser, opinions_url, sids[1])  # warm the per-process priorities
    with django_assert_max_num_queries(ANONYMOUS_BUDGET):
        response = _vote(browser, opinions_url, sids[2], "disagree")
    assert response.status_code == 200
    assert Vote.objects.get(participant__browser_id__isnull=False,
                            statement_id=sids[2]).value == -1
    # a changed vote is an update of the same row, in the same budget
    with django_assert_max_num_queries(ANONYMOUS_BUDGET):
        assert _vote(browser, opinions_url, sids[2], "pass").status_code == 200
    assert Vote.objects.filter(statement_id=sids[2]).exclude(
        participant__browser_id__startswith="autre-").get().value == 0


@pytest.mark.django_db
def test_signed_in_vote_query_budget(citizen, opinions, opinions_url,
                                     django_assert_max_num_queries):
    from parlons.platform.opinions.models import Vote

    _with_map(opinions)
    client = Client()
    client.force_login(citizen)
    sids = list(opinions.opinion_statements.order_by("pk").values_list("pk", flat=True))
    _vote(client, opinions_url, sids[0])
    with django_assert_max_num_queries(SIGNED_IN_BUDGET):
        response = _vote(client, opinions_url, sids[1], "disagree", qualification="")
    assert response.status_code == 200 and response.context["statement"].pk == sids[2]
    assert Vote.objects.filter(participant__user=citizen).count() == 2


@pytest.mark.django_db
def test_votes_during_a_recompute_are_coalesced_into_the_next(
        anonymous_ok, make_user, django_capture_on_commit_callbacks):
    """While a recompute is queued or running (the cache lock), votes only count; the map is
    recomputed once when it ends, with every vote, not once per vote."""
    from django.core.cache import cache

    from parlons.platform.opinions import services
    from parlons.platform.opinions.models import OpinionMap

    anonymous_ok.settings = {"anonymous": True, "recompute_every": 5}
    anonymous_ok.save()
    cache.set(f"parlons:opinions:recompute:{anonymous_ok.pk}", 1)  # one is in flight
    statements = list(anonymous_ok.opinion_statements.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            user = make_user()
            participant = services.participant_for(anonymous_ok, user=user)
            for st in statements:
                services.cast_vote(actor=user, component=anonymous_ok, participant=participant,
                                   statement_id=st.pk, value="agree" if i % 2 else "disagree")
    assert not OpinionMap.objects.filter(component=anonymous_ok).exists()  # 12 votes waited
    services.recompute_finished(anonymous_ok.pk, anonymous_ok)  # the one in flight ends
    row = OpinionMap.objects.get(component=anonymous_ok)
    assert row.n_votes == 12
    assert cache.get(f"parlons:opinions:new-votes:{anonymous_ok.pk}") == 0


def _login(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"email": email, "password": password})


@pytest.mark.django_db
def test_anonymous_votes_join_the_account_at_login(citizen, anonymous_ok, opinions_url):
    from parlons.platform.opinions.models import Participant, Statement, Vote

    browser = Client()
    sids = list(anonymous_ok.opinion_statements.order_by("pk").values_list("pk", flat=True))
    _vote(browser, opinions_url, sids[0], "agree")
    _vote(browser, opinions_url, sids[1], "disagree")
    browser.post(opinions_url, {"action": "submit_statement", "text": "Un kiosque."})
    assert Participant.objects.get().user is None
    assert _login(browser, citizen.email).status_code == 302
    participant = Participant.objects.get()  # the same participant, now the account's
    assert participant.user == citizen and participant.browser_id is None
    assert dict(Vote.objects.filter(participant=participant)
                .values_list("statement_id", "value")) == {sids[0]: 1, sids[1]: -1}
    assert Statement.objects.get(text="Un kiosque.").author == citizen
    # from now on the account votes; the progress counts the votes cast before login
    page = browser.get(opinions_url)
    assert page.context["done"] == 2 and page.context["statement"].pk == sids[2]


@pytest.mark.django_db
def test_merge_keeps_the_latest_vote_on_a_statement_voted_both_ways(citizen, anonymous_ok,
                                                                    opinions_url):
    import datetime as dt

    from parlons.platform.opinions.models import Participant, Vote

    sids = list(anonymous_ok.opinion_statements.order_by("pk").values_list("pk", flat=True))
    account = Client()
    account.force_login(citizen)
    _vote(account, opinions_url, sids[0], "agree")      # older than the browser's vote
    _vote(account, opinions_url, sids[2], "agree")      # the account only
    browser = Client()
    _vote(browser, opinions_url, sids[0], "disagree")   # latest on sids[0]
    _vote(browser, opinions_url, sids[1], "pass")       # the browser only
    _vote(browser, opinions_url, sids[2], "disagree")   # made older than the account's below
    Vote.objects.filter(participant__browser_id__isnull=False, statement_id=sids[2]).update(
        updated_at=Vote.objects.get(participant__user=citizen, statement_id=sids[2]).updated_at
        - dt.timedelta(minutes=5))
    assert _login(browser, citizen.email).status_code == 302
    assert Participant.objects.filter(component=anonymous_ok).count() == 1
    votes = dict(Vote.objects.filter(participant__user=citizen)
                 .values_list("statement_id", "value"))
    assert votes == {sids[0]: -1, sids[1]: 0, sids[2]: 1}
    assert Vote.objects.count() == 3  # no double vote


@pytest.mark.django_db
def test_merge_on_sign_up_then_first_login(anonymous_ok, opinions_url, settings,
                                           django_capture_on_commit_callbacks):
    from parlons.platform.accounts.tokens import make_time_trap
    from parlons.platform.opinions.models import Vote

    settings.PARLONS_SIGNUP_MIN_SECONDS = 0
    browser = Client()
    sid = anonymous_ok.opinion_statements.order_by("pk").first().pk
    _vote(browser, opinions_url, sid, "disagree")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation e-mail
        assert browser.post(reverse("accounts:signup"), {
            "email": "nouvelle@example.org", "password": "un-mot-de-passe-solide-2024",
            "display_name": "", "language": "en", "website": "",
            "form_token": make_time_trap()}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/\S*)", mail.outbox[0].body).group(1)
    browser.get(link)
    assert _login(browser, "nouvelle@example.org", "un-mot-de-passe-solide-2024"
                  ).status_code == 302
    vote = Vote.objects.get()
    assert vote.participant.user.email == "nouvelle@example.org" and vote.value == -1


@pytest.mark.django_db
def test_login_without_browser_votes_or_with_forged_cookie_changes_nothing(
        citizen, anonymous_ok, opinions_url):
    from parlons.platform.opinions.models import Participant

    Participant.objects.create(component=anonymous_ok, browser_id="someone-else")
    browser = Client()
    browser.cookies["parlons_opinions"] = "someone-else"  # not signed: ignored
    assert _login(browser, citizen.email).status_code == 302
    assert Participant.objects.get().user is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_merge_concurrent_with_the_accounts_votes_keeps_one_vote_each(citizen, opinions):
    from parlons.platform.opinions import services
    from parlons.platform.opinions.models import Participant, Vote

    opinions.settings = {"anonymous": True}
    opinions.save()
    statements = list(opinions.opinion_statements.order_by("pk"))
    browser = services.participant_for(opinions, browser_id="navigateur")
    for st in statements:
        services.cast_vote(actor=None, component=opinions, participant=browser,
                           statement_id=st.pk, value="disagree")
    barrier = threading.Barrier(4)
    errors = []

    def merge():
        from django.db import connection as conn
        try:
            barrier.wait()
            services.merge_browser_into_user(browser_id="navigateur", user=citizen)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    def vote(st):
        from django.db import connection as conn
        try:
            barrier.wait()
            services.vote_as(actor=citizen, component=opinions, browser_id=None,
                             statement_id=st.pk, value="agree")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=merge)] + [threading.Thread(target=vote, args=(st,))
                                                  for st in statements]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Participant.objects.filter(component=opinions).count() == 1
    assert sorted(Vote.objects.filter(participant__user=citizen)
                  .values_list("statement_id", flat=True)) == [s.pk for s in statements]
