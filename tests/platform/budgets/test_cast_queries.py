"""The cost of casting a ballot with a voting code: a constant number of reads and writes of
the budget tables per request, whatever the number of projects chosen or ballots already cast
(the load target of issue 5 leaves a few milliseconds per ballot)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parlons.platform.budgets import census, services
from parlons.platform.budgets.models import Ballot, BallotChoice, VoterRecord

pytestmark = pytest.mark.django_db

#: the review step: the code. The budget and the projects on its ballot (what the check of
#: the ballot and the basket read) are kept per process (``selectors.ballot_budget``,
#: ``ballot_projects``): 4 queries before, the budget and the projects twice.
REVIEW_QUERIES = 1
#: the confirm step: the code (view), then in one transaction the code's row locked, the list
#: of who voted, the ballot, its choices (one INSERT). 9 before: the budget read twice (view,
#: service) and its projects twice (check, receipt page) are now per-process copies, the
#: budget's rules being frozen from the first ballot on.
CONFIRM_QUERIES = 5
#: on PostgreSQL the ballot and its choices are one statement (no savepoint either)
CONFIRM_QUERIES_POSTGRES = 4


def _budget_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "budgets_" in q["sql"]]


def _vote(client: Client, url: str, code: str, projects: list[int]) -> tuple[list, list]:
    with CaptureQueriesContext(connection) as review:
        page = client.post(url, {"code": code, "step": "review", "project": projects})
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page.content.decode()).group(1)
    with CaptureQueriesContext(connection) as confirm:
        response = client.post(url, {"code": code, "step": "confirm", "project": projects,
                                     "receipt": receipt})
    assert response.status_code == 200 and receipt in response.content.decode()
    return _budget_queries(review), _budget_queries(confirm)


def test_a_cast_reads_and_writes_a_constant_number_of_rows(coded_pb, org_admin):
    codes = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    city, p = coded_pb["city"], coded_pb["projects"]
    url = f"/participer/{coded_pb['space'].slug}/c/{coded_pb['component'].pk}/?v=code&b={city.pk}"
    services.open_vote(actor=org_admin, budget=city)  # rules frozen: no write for that
    client = Client()
    client.post(url, {"code": codes["Martin"], "step": "review",  # the per-process caches
                      "project": [p["Fresque"].pk]})

    one = _vote(client, url, codes["Martin"], [p["Fresque"].pk])
    three = _vote(client, url, codes["Durand"],
                  [p["Fresque"].pk, p["Jardin partagé"].pk, p["Skatepark"].pk])

    confirm = CONFIRM_QUERIES_POSTGRES if connection.vendor == "postgresql" else CONFIRM_QUERIES
    assert [len(q) for q in one] == [REVIEW_QUERIES, confirm]
    assert [len(q) for q in three] == [REVIEW_QUERIES, confirm]
    inserts = sum(sql.count("INSERT INTO") for sql in three[1])
    assert inserts == 3  # who voted, the ballot, all its choices at once
    assert Ballot.objects.filter(budget=city).count() == 2
    assert BallotChoice.objects.filter(ballot__budget=city).count() == 4
    assert VoterRecord.objects.filter(budget=city).count() == 2


@pytest.mark.postgres
def test_the_code_row_is_locked_while_casting(coded_pb, org_admin):
    codes = {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}
    city, p = coded_pb["city"], coded_pb["projects"]
    url = f"/participer/{coded_pb['space'].slug}/c/{coded_pb['component'].pk}/?v=code&b={city.pk}"
    _review, confirm = _vote(Client(), url, codes["Martin"], [p["Fresque"].pk])
    locked = [sql for sql in confirm if "FOR UPDATE" in sql]
    assert len(locked) == 1 and "budgets_votingcode" in locked[0]


def test_a_receipt_typed_for_a_public_roll_budget_is_ignored(pb, voter):
    """``previous`` (the receipt of a secret ballot to change) means nothing for a budget
    with a public roll: the ballot is cast with the form's own receipt."""
    city, fresque = pb["city"], pb["projects"]["Fresque"]
    url = f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/?v=vote&b={city.pk}"
    client = Client()
    client.force_login(voter)
    page = client.post(url, {"step": "review", "project": [fresque.pk]}).content.decode()
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page).group(1)
    response = client.post(url, {"step": "confirm", "project": [fresque.pk],
                                 "receipt": receipt, "previous": "ABCD-EFGH-JKLM-NPQR"})
    assert response.status_code == 200 and receipt in response.content.decode()
    assert Ballot.objects.get(budget=city).receipt_hash == services.receipt_hash(receipt)


def test_the_basket_summary_reads_no_budget_table(pb, voter):
    """The htmx basket (sent at every tick of a project) reads the budget and its projects
    from the per-process copies of the voting steps: no query on the budget tables."""
    client = Client()
    client.force_login(voter)
    url = (f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/"
           f"?v=basket&b={pb['city'].pk}")
    ticked = {"project": [pb["projects"]["Fresque"].pk, pb["projects"]["Skatepark"].pk]}
    client.post(url, ticked)  # the per-process copies
    with CaptureQueriesContext(connection) as summary:
        response = client.post(url, ticked)
    assert response.status_code == 200
    assert _budget_queries(summary) == []
