"""MES with Add1 when no ballot supports two candidates (choose-1 ballots): the closed form
against the general engine, on random elections and on the large Wrocław files."""

from __future__ import annotations

import gzip
from fractions import Fraction

import pytest
from budgeting_helpers import LARGE, make_pb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parlons.core.budgeting import mes
from parlons.core.budgeting.pabulib import parse_pabulib

COMPLETIONS = ["add1", "add1-exhaustive", "add1u"]


def _both(text: str, completion: str, sat: str, exact: bool, monkeypatch) -> tuple:  # noqa: ANN001
    """(closed form, general engine) outcomes: winners in order and the final budget."""
    instance, profile = parse_pabulib(text)
    fast = mes.equal_shares(instance, profile, sat, completion, exact=exact)
    with monkeypatch.context() as patch:
        patch.setattr(mes, "_disjoint", lambda data: None)
        instance, profile = parse_pabulib(text)
        slow = mes.equal_shares(instance, profile, sat, completion, exact=exact)
    return (fast.winners, fast.voter_budget), (slow.winners, slow.voter_budget)


@pytest.mark.parametrize("completion", COMPLETIONS)
def test_budgeting_disjoint_mes_by_hand(completion, monkeypatch):
    # 10 voters, budget 100: 10 each. "1" (cost 40, 5 voters) is affordable at once, "2"
    # (cost 45, 3 voters) from 15 each, "3" (cost 40, 2 voters) from 20: at 20 all three
    # would cost 125: Add1 ends at 19 with "1" and "2" (85), the first exhaustive outcome
    # (where Add1-exhaustive stops) being at 15
    votes = [(f"v{i}", "1") for i in range(5)] + [(f"w{i}", "2") for i in range(3)]
    votes += [("x1", "3"), ("x2", "3")]
    text = make_pb(100, [("1", 40), ("2", 45), ("3", 40)], votes, "choose-1")
    instance, profile = parse_pabulib(text)
    assert mes._disjoint(mes.prepare(instance, profile, "cost")) is not None
    fast, slow = _both(text, completion, "cost", False, monkeypatch)
    assert fast == slow == (["1", "2"], Fraction(19 if completion == "add1" else 15))


def test_budgeting_disjoint_needs_one_candidate_per_ballot():
    text = make_pb(100, [("1", 40), ("2", 45)], [("a", "1"), ("b", "1,2")])
    instance, profile = parse_pabulib(text)
    assert mes._disjoint(mes.prepare(instance, profile, "cost")) is None


ELECTIONS = st.tuples(
    st.lists(st.integers(1, 60), min_size=1, max_size=6),  # costs
    st.lists(st.tuples(st.integers(-1, 5), st.integers(1, 4)), min_size=1, max_size=12),
    st.integers(20, 150),  # budget
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # (patch.context())
@given(election=ELECTIONS, completion=st.sampled_from(COMPLETIONS),
       sat=st.sampled_from(["cost", "cardinality"]), exact=st.booleans(),
       vote_type=st.sampled_from(["choose-1", "approval"]))
def test_budgeting_disjoint_mes_equals_the_general_engine(election, completion, sat, exact,
                                                          vote_type, monkeypatch):
    costs, choices, budget = election
    projects = [(str(p), c) for p, c in enumerate(costs)]
    votes = []  # each voter names one project (or none), some several times over
    for v, (choice, times) in enumerate(choices):
        name = str(choice) if 0 <= choice < len(costs) else ""
        votes += [(f"v{v}-{t}", name) for t in range(times)]
    fast, slow = _both(make_pb(budget, projects, votes, vote_type), completion, sat, exact,
                       monkeypatch)
    assert fast == slow


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Poland_Wroclaw_2015_150_-_500", "Poland_Wroclaw_2019_local"])
def test_budgeting_disjoint_mes_on_large_choose_one_files(name, monkeypatch):
    text = gzip.decompress((LARGE / f"{name}.pb.gz").read_bytes()).decode("utf-8-sig")
    fast, slow = _both(text, "add1u", "cost", False, monkeypatch)
    assert fast == slow
    assert isinstance(fast[1], Fraction)
