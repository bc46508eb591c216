"""Greedy variants: official Pabulib outcomes and hand-computed cases."""

from __future__ import annotations

import pytest
from budgeting_helpers import make_pb, meta_of, pb_files, with_categories

from parlons.core.budgeting.greedy import (
    ballot_scores,
    file_scores,
    greedy,
    greedy_utilitarian,
)
from parlons.core.budgeting.pabulib import parse_pabulib, read_pabulib

# projects: cost, votes: a=5 votes (cost 60), b=4 (50), c=3 (30), d=2 (10)
VOTES = [(f"v{i}", "a") for i in range(5)] + [(f"w{i}", "b") for i in range(4)] + \
    [(f"x{i}", "c") for i in range(3)] + [(f"y{i}", "d") for i in range(2)]
PROJECTS = [("a", 60), ("b", 50), ("c", 30), ("d", 10)]


def _inst(extra_meta: str = "", projects=PROJECTS, votes=VOTES, budget=100):
    return parse_pabulib(make_pb(budget, projects, votes, extra_meta=extra_meta))


def test_budgeting_greedy_skips_what_does_not_fit():
    instance, profile = _inst()
    # a (60) fits, b (50) does not (40 left), c (30) fits, d (10) fits: 100 spent
    assert greedy(instance, ballot_scores(instance, profile), "greedy") == ["a", "c", "d"]


def test_budgeting_greedy_no_skip_stops_at_first_misfit():
    instance, profile = _inst()
    assert greedy(instance, ballot_scores(instance, profile), "greedy-no-skip") == ["a"]


def test_budgeting_greedy_threshold_ignores_low_scores():
    instance, profile = _inst("min_project_score_threshold;3")
    assert greedy(instance, ballot_scores(instance, profile), "greedy-threshold") == ["a", "c"]


def test_budgeting_greedy_per_category_caps():
    projects = [("a", 60, "A"), ("b", 30, "B"), ("c", 30, "C"), ("d", 10, "D")]
    text = make_pb(100, projects, VOTES,
                   extra_meta="categories;green,youth\nbudget_per_category;60,70")
    text = with_categories(text, {"A": "green", "B": "green", "C": "youth", "D": "youth"})
    instance, profile = parse_pabulib(text)
    # a fills green (60); b (green) would exceed 60; c, d fit youth (40 <= 70), total 100
    assert greedy(instance, ballot_scores(instance, profile), "greedy") == ["a", "c", "d"]
    # without the caps: a, b (30 of the 40 left), then c does not fit, d does
    assert greedy(instance, ballot_scores(instance, profile), "greedy", per_category=False) == [
        "a", "b", "d"]


def test_budgeting_greedy_ties_follow_file_order():
    votes = [("v1", "b"), ("v2", "a")]
    instance, profile = _inst(projects=[("b", 60), ("a", 60)], votes=votes)
    assert greedy(instance, ballot_scores(instance, profile), "greedy") == ["b"]


def test_budgeting_greedy_utilitarian_cost_and_cardinality():
    # cost satisfaction ranks by supporters; cardinality by supporters per unit of cost
    instance, profile = _inst()
    assert greedy_utilitarian(instance, profile, "cost") == ["a", "c", "d"]
    # densities: a 5/60, b 4/50, c 3/30, d 2/10 -> d, c, a (60 > 60 left? 100-40=60 fits)
    assert greedy_utilitarian(instance, profile, "cardinality") == ["d", "c", "a"]


@pytest.mark.slow
def test_budgeting_greedy_reproduces_every_official_greedy_outcome():
    checked = 0
    failures = []
    for path in pb_files():
        rule = meta_of(path).get("rule")
        if rule not in ("greedy", "greedy-no-skip", "greedy-threshold"):
            continue
        instance, profile = read_pabulib(path)
        if "selected" not in instance.project_columns:
            continue
        official = {p for p, pr in instance.projects.items() if pr.fields["selected"] == "1"}
        ours = set(greedy(instance, file_scores(instance, profile), rule))
        checked += 1
        if ours != official:
            failures.append(path.name)
    assert checked == 121
    assert failures == []
