"""Concurrent submissions of the same ballot: one ballot, every answer the same (PostgreSQL)."""

from __future__ import annotations

import pytest

from parlons.platform.budgets import services
from parlons.platform.budgets.models import Ballot, BallotChoice, VoterRecord

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
]


@pytest.mark.parametrize("budget_key", ["city", "centre"])  # public and secret ballot
def test_same_submission_from_eight_threads(pb, voter, budget_key, race):
    budget = pb[budget_key]
    project = next(p for p in pb["projects"].values() if p.budget_id == budget.pk)
    receipt = services.new_receipt()
    answers = race(8, lambda i: services.cast_ballot(
        actor=voter, budget=budget, choices={project.pk: 1}, receipt=receipt).pk)
    assert all(a[0] == "ok" for a in answers), answers
    assert len({a[1] for a in answers}) == 1
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert VoterRecord.objects.filter(budget=budget).count() == 1
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1


def test_different_edits_race_leave_one_consistent_ballot(pb, voter, race):
    budget = pb["city"]
    titles = ["Fresque", "Jardin partagé", "Pistes cyclables", "Skatepark"]
    answers = race(8, lambda i: services.cast_ballot(
        actor=voter, budget=budget, choices={pb["projects"][titles[i % 4]].pk: 1},
        receipt=services.new_receipt()).pk)
    assert all(a[0] == "ok" for a in answers), answers
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1
