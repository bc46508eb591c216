"""Property tests on random small elections (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parlons.core.budgeting.greedy import ballot_scores, greedy, greedy_utilitarian
from parlons.core.budgeting.mes import (
    _NearTie,
    equal_shares,
    prepare,
    run_exact,
    run_float,
)
from parlons.core.budgeting.mes_float import FloatRun
from parlons.core.budgeting.model import Instance, Profile, Project, Voter, merge_ballots
from parlons.core.budgeting.phragmen import sequential_phragmen
from parlons.core.budgeting.satisfaction import ballot_utilities


@st.composite
def elections(draw):  # noqa: ANN001, ANN201
    m = draw(st.integers(2, 6))
    costs = draw(st.lists(st.integers(1, 30), min_size=m, max_size=m))
    budget = draw(st.integers(5, 60))
    n = draw(st.integers(1, 9))
    ballots = draw(st.lists(st.sets(st.integers(0, m - 1), max_size=m), min_size=n,
                            max_size=n))
    projects = {f"p{j}": Project(f"p{j}", costs[j]) for j in range(m)}
    instance = Instance({"vote_type": "approval"}, budget, projects)
    entries = [(tuple(f"p{j}" for j in sorted(b)), None) for b in ballots]
    merged, index = merge_ballots("approval", entries)
    voters = [Voter(str(i), {"voter_id": str(i), "vote": ",".join(e[0])})
              for i, e in enumerate(entries)]
    return instance, Profile("approval", ["voter_id", "vote"], voters, merged, index)


SATS = st.sampled_from(["cost", "cardinality"])


@settings(max_examples=80, deadline=None)
@given(elections(), SATS)
def test_budgeting_budget_never_exceeded(election, sat):
    instance, profile = election
    outcomes = [
        greedy(instance, ballot_scores(instance, profile)),
        greedy_utilitarian(instance, profile, sat),
        sequential_phragmen(instance, profile),
    ]
    for completion in ("none", "utilitarian", "add1", "add1-exhaustive", "add1u"):
        outcomes.append(equal_shares(instance, profile, sat, completion).winners)
        outcomes.append(equal_shares(instance, profile, sat, completion, exact=True).winners)
    for winners in outcomes:
        assert len(set(winners)) == len(winners)
        assert instance.cost(winners) <= instance.budget


@settings(max_examples=80, deadline=None)
@given(elections(), SATS, st.integers(0, 40))
def test_budgeting_exact_and_float_agree_without_near_ties(election, sat, extra):
    instance, profile = election
    data = prepare(instance, profile, sat)
    beta = Fraction(instance.budget, profile.num_voters) + extra
    try:
        fast, _ = run_float(data, float(beta))
    except _NearTie:
        assume(False)
    assert fast == run_exact(data, beta)


@settings(max_examples=120, deadline=None)
@given(elections(), SATS, st.lists(st.fractions(0, 40, max_denominator=7), min_size=1,
                                   max_size=8), st.lists(st.fractions(0, 3), min_size=8,
                                                         max_size=8))
def test_budgeting_resumed_runs_equal_exact_runs(election, sat, extras, ahead):
    instance, profile = election
    data = prepare(instance, profile, sat)
    runs = FloatRun(data)  # each run resumed from the previous one
    for extra, need in zip(sorted(extras), ahead, strict=False):
        beta = Fraction(instance.budget, profile.num_voters) + extra
        try:
            # tracked until a limit is found at or below beta + need (whatever the next beta)
            sel, change = runs.run(float(beta), need=float(beta + need))
        except _NearTie:  # the caller re-runs it exactly; the next run starts afresh
            continue
        assert sel == run_exact(data, beta)
        # the outcome provably stays the same below ``change``: check inside and near it
        assert change > float(beta)
        if change < float(beta) + 100:
            top = Fraction(change) * (1 - Fraction(1, 10**6))
            for inside in (beta + (top - beta) / 2, top):
                if inside > beta:
                    assert run_exact(data, inside) == sel


@settings(max_examples=60, deadline=None)
@given(elections(), SATS)
def test_budgeting_add1_jumps_match_one_step_at_a_time(election, sat):
    _add1_jumps_match_one_step_at_a_time(election, sat)


def _add1_jumps_match_one_step_at_a_time(election, sat) -> None:  # noqa: ANN001
    instance, profile = election
    data = prepare(instance, profile, sat)
    beta0 = Fraction(instance.budget, profile.num_voters)
    # naive Add1: +1 per voter until the outcome would exceed the budget
    previous, k = None, 0
    while k < 400:
        sel = run_exact(data, beta0 + k)
        if instance.cost([data.candidates[i] for i in sel]) > instance.budget:
            break
        previous = sel
        if len(sel) == len(data.candidates):
            break
        k += 1
    naive = data.free + [data.candidates[i] for i in previous]
    assert equal_shares(instance, profile, sat, "add1").winners == naive
    # Add1 never stops before Add1-exhaustive
    full = equal_shares(instance, profile, sat, "add1")
    stop = equal_shares(instance, profile, sat, "add1-exhaustive")
    assert full.voter_budget >= stop.voter_budget >= beta0


@settings(max_examples=80, deadline=None)
@given(elections(), SATS)
def test_budgeting_mes_outcome_is_priceable(election, sat):
    instance, profile = election
    winners = equal_shares(instance, profile, sat, exact=True).winners
    beta = Fraction(instance.budget, profile.num_voters)
    left = [beta] * len(profile.ballots)
    utils = [ballot_utilities(instance, b, sat) for b in profile.ballots]
    weights = [b.multiplicity for b in profile.ballots]
    for pid in winners:
        cost = instance.projects[pid].cost
        supporters = [i for i, u in enumerate(utils) if pid in u]
        if cost == 0:
            continue
        # the price per unit of utility: the least rho with sum w min(left, rho u) = cost;
        # sum w min(left, rho u) is piecewise linear in rho with breakpoints left_i / u_i
        assert sum(weights[i] * left[i] for i in supporters) >= cost  # they could pay it
        rho = None
        order = sorted(supporters, key=lambda i: left[i] / utils[i][pid])  # noqa: B023
        for k in range(len(order)):
            poor, rich = order[:k], order[k:]
            r = Fraction(cost - sum(weights[i] * left[i] for i in poor)) / sum(
                weights[i] * utils[i][pid] for i in rich)
            if all(left[i] < r * utils[i][pid] for i in poor) and all(
                    left[i] >= r * utils[i][pid] for i in rich):
                rho = r
                break
        assert rho is not None
        paid = sum(weights[i] * min(left[i], rho * utils[i][pid]) for i in supporters)
        assert paid == cost
        for i in supporters:
            left[i] -= min(left[i], rho * utils[i][pid])
        assert all(x >= 0 for x in left)
    # no unfunded project is affordable by its supporters' remaining money
    for pid in instance.projects:
        if pid in winners:
            continue
        supporters = [i for i, u in enumerate(utils) if pid in u]
        if supporters and instance.projects[pid].cost > 0:
            money = sum(weights[i] * left[i] for i in supporters)
            assert money < instance.projects[pid].cost


def _naive_add1(instance, data, beta0, increment):  # noqa: ANN001, ANN202
    """Add1 and Add1-exhaustive one exact run per step of ``increment``."""
    previous = exhaustive = None
    k = 0
    while True:
        sel = run_exact(data, beta0 + k * increment)
        winners = data.free + [data.candidates[i] for i in sel]
        spent = instance.cost(winners)
        if spent > instance.budget:
            return previous, exhaustive or previous
        rest = [c for p, c in zip(data.candidates, data.costs, strict=True) if p not in winners]
        if exhaustive is None and all(spent + c > instance.budget for c in rest):
            exhaustive = winners
        previous = winners
        if len(sel) == len(data.candidates):
            return previous, exhaustive or previous
        k += 1


@settings(max_examples=60, deadline=None)
@given(elections(), SATS, st.sampled_from([Fraction(1, 2), Fraction(1, 5)]), st.booleans())
def test_budgeting_add1_small_increments_match_small_steps(election, sat, increment, exact):
    # a small currency unit: many steps, most of them jumped over or resumed
    instance, profile = election
    data = prepare(instance, profile, sat)
    beta0 = Fraction(instance.budget, profile.num_voters)
    full, first_exhaustive = _naive_add1(instance, data, beta0, increment)
    ours = equal_shares(instance, profile, sat, "add1", exact=exact, increment=increment)
    assert ours.winners == full
    ours = equal_shares(instance, profile, sat, "add1-exhaustive", exact=exact,
                        increment=increment)
    assert ours.winners == first_exhaustive
