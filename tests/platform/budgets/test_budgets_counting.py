"""The counting read path (ballots merged while read) agrees with the per-voter profile."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from parlons.core.budgeting import tally
from parlons.platform.budgets import counting, services
from parlons.platform.budgets.models import Budget, BudgetProject, Eligibility

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ballot_type", ["knapsack", "cumulative"])
def test_counting_profile_equals_the_per_voter_profile(pb, make_user, org_admin, ballot_type):
    city = pb["city"]
    Budget.objects.filter(pk=city.pk).update(ballot_type=ballot_type, points=5)
    city.refresh_from_db()
    projects = list(BudgetProject.objects.filter(budget=city, state="feasible"))
    rng = random.Random(3)
    for n in range(40):
        person = make_user(f"p{n}@example.org")
        Eligibility.objects.create(component=pb["component"], user=person,
                                   area=pb["areas"][0], age_confirmed=True)
        chosen = rng.sample(projects, rng.randint(1, 2))
        if ballot_type == "knapsack":
            while sum(p.cost for p in chosen) > city.amount:
                chosen.pop()
        services.cast_ballot(actor=person, budget=city,
                             choices={p.pk: rng.randint(1, 2) if ballot_type == "cumulative"
                                      else 1 for p in chosen},
                             receipt=services.new_receipt())
    # a project withdrawn after the vote is ignored by both paths
    BudgetProject.objects.filter(pk=projects[0].pk).update(state="not_feasible")
    instance = counting.instance_of(city)
    fast = counting.counting_profile(city, instance)
    full = counting.profile_of(city, instance)

    def merged(profile):
        return Counter({(frozenset(zip(b.projects, b.points or [1] * len(b.projects),
                                       strict=True))): b.multiplicity for b in profile.ballots})

    assert fast.num_voters == full.num_voters == 40
    assert merged(fast) == merged(full)
    for rule in ("greedy", "mes"):
        assert tally(instance, fast, rule=rule, completion="add1u").winners == \
            tally(instance, full, rule=rule, completion="add1u").winners
    assert services.compute_results(actor=org_admin, budget=city).results["voters"] == 40
