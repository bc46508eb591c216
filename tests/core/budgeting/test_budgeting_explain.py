"""Why each project was funded or not: structured reasons from the rules, with their sentences."""

from __future__ import annotations

import json

from budgeting_helpers import make_pb, with_categories

from parlons.core.budgeting.pabulib import parse_pabulib
from parlons.core.budgeting.rules import tally

# scores: a=5 (cost 60), b=4 (50), c=3 (30), d=2 (10)
VOTES = [(f"v{i}", "a") for i in range(5)] + [(f"w{i}", "b") for i in range(4)] + \
    [(f"x{i}", "c") for i in range(3)] + [(f"y{i}", "d") for i in range(2)]
PROJECTS = [("a", 60), ("b", 50), ("c", 30), ("d", 10)]


def _reasons(text: str, **kwargs) -> dict:
    instance, profile = parse_pabulib(text)
    outcome = tally(instance, profile, with_explanations=True, **kwargs)
    return {pid: (r.kind, r.values) for pid, r in outcome.reasons.items()}


def test_greedy_reasons_give_rank_score_and_money_left():
    reasons = _reasons(make_pb(100, PROJECTS, VOTES), rule="greedy")
    assert reasons["a"] == ("funded", {"rank": 1, "score": 5, "cost": 60, "left": 100})
    assert reasons["b"] == ("no-room", {"rank": 2, "score": 4, "cost": 50, "left": 40})
    assert reasons["c"][0] == "funded" and reasons["d"][0] == "funded"


def test_greedy_no_skip_explains_the_stop_and_what_came_after():
    reasons = _reasons(make_pb(100, PROJECTS, VOTES), rule="greedy",
                       greedy_variant="greedy-no-skip")
    assert [reasons[p][0] for p in "abcd"] == ["funded", "stop", "after-stop", "after-stop"]
    assert reasons["d"][1]["rank"] == 4


def test_greedy_threshold_and_whole_budget_reasons():
    projects = [("a", 60), ("b", 150), ("c", 30), ("d", 10)]
    reasons = _reasons(make_pb(100, projects, VOTES,
                               extra_meta="min_project_score_threshold;3"), rule="greedy")
    assert reasons["b"] == ("over-budget", {"rank": 2, "score": 4, "cost": 150, "left": 40,
                                            "budget": 100})
    assert reasons["d"][0] == "below-threshold" and reasons["d"][1]["threshold"] == 3


def test_greedy_category_cap_names_the_full_category_and_its_money_left():
    projects = [("a", 60, "A"), ("b", 30, "B"), ("c", 30, "C"), ("d", 10, "D")]
    text = make_pb(100, projects, VOTES,
                   extra_meta="categories;green,youth\nbudget_per_category;70,70")
    text = with_categories(text, {"A": "green", "B": "green", "C": "youth", "D": "youth"})
    reasons = _reasons(text, rule="greedy")
    kind, values = reasons["b"]
    assert kind == "category-cap" and values["category"] == "green" and values["left"] == 10


def test_mes_reasons_name_who_paid_and_who_took_the_money():
    votes = [("v1", "a,b"), ("v2", "a,b"), ("v3", "a"), ("v4", "c")]
    # 15 per voter: a's 3 supporters pay 10 each; b's 2 supporters keep 5 + 5 for a cost of 30
    reasons = _reasons(make_pb(60, [("a", 30), ("b", 30), ("c", 50)], votes),
                       rule="mes", sat="cost")
    kind, values = reasons["a"]
    assert kind == "shares" and values["supporters"] == 3
    kind, values = reasons["b"]
    assert kind == "short" and values["supporters"] == 2
    assert values["took"] == [["a", 20.0]]
    assert (values["left"], values["cost"]) == (10.0, 30.0)
    assert abs(values["share"] - 100 / 3) < 1e-9
    assert reasons["c"][0] == "short"


def test_reasons_are_json_ready_and_read_as_english_sentences():
    instance, profile = parse_pabulib(make_pb(100, PROJECTS, VOTES))
    for rule in ("greedy", "mes"):
        outcome = tally(instance, profile, rule=rule, with_explanations=True)
        json.dumps({p: r.as_dict() for p, r in outcome.reasons.items()})
        assert set(outcome.explanations) == set(instance.projects)
        assert all(text.startswith(("funded", "not funded"))
                   for text in outcome.explanations.values())
    # 100 / 14 each: a's 5 supporters hold 35.7 of its 60, and nothing was funded (no takers)
    assert outcome.explanations["a"] == ("not funded: its 5 supporters have 36 left for a cost "
                                         "of 60 (effective support 59.5 %); their money went "
                                         "to nothing")
