"""pabutools (GPL, test oracle only) and our rules agree on a deterministic sample of pb/.

The full corpus (every file, every rule) is compared by ``benchmarks/budgeting_oracle.py``;
both sides use exact arithmetic and the same tie-breaking (project id as text).
"""

from __future__ import annotations

import pytest
from budgeting_helpers import meta_of, pb_files

from parlons.core.budgeting.greedy import greedy_utilitarian
from parlons.core.budgeting.mes import equal_shares
from parlons.core.budgeting.pabulib import read_pabulib
from parlons.core.budgeting.phragmen import sequential_phragmen
from parlons.core.budgeting.welfare import max_welfare, welfare


def _sample() -> list:
    small = [p for p in pb_files() if int(meta_of(p)["num_votes"]) <= 800]
    assert len(small) > 200
    return small[::25]  # deterministic: every 25th small file, all ballot types


@pytest.mark.slow
def test_budgeting_same_winners_as_pabutools_on_a_sample():
    from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        max_additive_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.rules import sequential_phragmen as pb_phragmen

    compared = with_add1 = 0
    for path in _sample():
        instance, profile = read_pabulib(path)
        inst, prof = parse_pabulib(str(path))
        prof = prof.as_multiprofile()

        def theirs(outcome) -> list[str]:  # noqa: ANN001
            return sorted(p.name for p in outcome)

        for sat, pb_sat in (("cost", Cost_Sat), ("cardinality", Cardinality_Sat)):
            assert sorted(greedy_utilitarian(instance, profile, sat)) == theirs(
                greedy_utilitarian_welfare(inst, prof, sat_class=pb_sat)), path.name
            assert sorted(equal_shares(instance, profile, sat, exact=True).winners) == theirs(
                method_of_equal_shares(inst, prof, sat_class=pb_sat)), path.name
        if profile.num_voters <= 300:  # pabutools' exact Add1 is slow: small files only
            ours = equal_shares(instance, profile, "cost", "add1u").winners
            assert sorted(ours) == theirs(completion_by_rule_combination(
                inst, prof, [method_of_equal_shares, greedy_utilitarian_welfare],
                [{"sat_class": Cost_Sat, "voter_budget_increment": 1},
                 {"sat_class": Cost_Sat}],
            )), path.name
            with_add1 += 1
        if instance.vote_type in ("approval", "choose-1"):
            assert sorted(sequential_phragmen(instance, profile)) == theirs(
                pb_phragmen(inst, prof)), path.name
        best = welfare(instance, profile, max_welfare(instance, profile, "cost"), "cost")
        assert best == welfare(instance, profile, theirs(
            max_additive_utilitarian_welfare(inst, prof, sat_class=Cost_Sat)), "cost")
        compared += 1
    assert compared >= 8 and with_add1 >= 3
