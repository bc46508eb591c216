"""Concurrent submissions of the same ballot: one ballot, every answer the same (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from parlons.platform.budgets import services
from parlons.platform.budgets.models import Ballot, BallotChoice, VoterRecord

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks are tested on PostgreSQL (CI runs the suite there)"),
]


def _race(n, target):
    barrier = threading.Barrier(n)
    answers: list = []

    def run(i):
        try:
            barrier.wait()
            answers.append(("ok", target(i)))
        except Exception as error:  # noqa: BLE001 - the answer is what we compare
            answers.append(("error", type(error).__name__, str(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.parametrize("budget_key", ["city", "centre"])  # public and secret ballot
def test_same_submission_from_eight_threads(pb, voter, budget_key):
    budget = pb[budget_key]
    project = next(p for p in pb["projects"].values() if p.budget_id == budget.pk)
    receipt = services.new_receipt()
    answers = _race(8, lambda i: services.cast_ballot(
        actor=voter, budget=budget, choices={project.pk: 1}, receipt=receipt).pk)
    assert all(a[0] == "ok" for a in answers), answers
    assert len({a[1] for a in answers}) == 1
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert VoterRecord.objects.filter(budget=budget).count() == 1
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1


def test_different_edits_race_leave_one_consistent_ballot(pb, voter):
    budget = pb["city"]
    titles = ["Fresque", "Jardin partagé", "Pistes cyclables", "Skatepark"]
    answers = _race(8, lambda i: services.cast_ballot(
        actor=voter, budget=budget, choices={pb["projects"][titles[i % 4]].pk: 1},
        receipt=services.new_receipt()).pk)
    assert all(a[0] == "ok" for a in answers), answers
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1
