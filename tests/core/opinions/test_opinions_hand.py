"""Hand-computed small cases: every expected number below is worked out in the comments."""

import math

import numpy as np
import pytest

from parlons.core.opinions import Conversation
from parlons.core.opinions.clustering import OpinionState, smooth_k
from parlons.core.opinions.pca import build_matrix
from parlons.core.opinions.stats import (
    consensus,
    count_votes,
    critical_z,
    group_informed_consensus,
    group_stats,
    one_prop_test,
    priority,
    representative,
    two_prop_test,
)

A, D, P = 1, -1, 0
# 6 participants x 4 statements; groups: p0-p2 -> 0, p3-p5 -> 1
VOTES = [
    (0, 0, A), (0, 1, A), (0, 2, D), (0, 3, P),
    (1, 0, A), (1, 1, A), (1, 2, D),
    (2, 0, A), (2, 1, D), (2, 2, D), (2, 3, A),
    (3, 0, D), (3, 1, A), (3, 2, A), (3, 3, A),
    (4, 0, D), (4, 1, P), (4, 2, A),
    (5, 0, D), (5, 1, A), (5, 3, D),
]
LABELS = np.array([0, 0, 0, 1, 1, 1])


def _stats():
    p, s, v = zip(*VOTES, strict=True)
    conv = Conversation.from_events(p, s, v, statement_ids=[0, 1, 2, 3])
    mat = build_matrix(conv)
    na, nd, ns = count_votes(mat.votes, mat.voted, LABELS, 2)
    return group_stats(na, nd, ns)


def test_counts_by_hand():
    st = _stats()
    assert st.na.tolist() == [[3, 2, 0, 1], [0, 2, 2, 1]]
    assert st.nd.tolist() == [[0, 1, 3, 0], [3, 0, 0, 1]]
    assert st.ns.tolist() == [[3, 3, 3, 2], [3, 3, 2, 2]]


def test_probabilities_and_tests_by_hand():
    st = _stats()
    # statement 0, group 0: na=3 ns=3 -> pa = 4/5, pd = 1/5
    assert st.pa[0, 0] == pytest.approx(0.8)
    assert st.pd[0, 0] == pytest.approx(0.2)
    # one-prop: 2 sqrt(3+1) ((3+1)/(3+1) - 1/2) = 2; for disagree 2*2*(1/4 - 1/2) = -1
    assert st.pat[0, 0] == pytest.approx(2.0)
    assert st.pdt[0, 0] == pytest.approx(-1.0)
    # representativeness: 0.8 / ((0+1)/(3+2)) = 4
    assert st.ra[0, 0] == pytest.approx(4.0)
    # two-prop (3 of 3 vs 0 of 3): p1 = 4/4, p2 = 1/4, pooled = 5/8,
    # z^2 = 0.75^2 / (5/8 * 3/8 * (1/4 + 1/4)) = 4.8
    assert st.rat[0, 0] == pytest.approx(math.sqrt(4.8))
    assert st.rat[1, 0] == pytest.approx(-math.sqrt(4.8))
    # statement 1: both groups 2 agrees of 3 -> pa = 3/5 each, ra = 1, rat = 0
    assert st.pa[:, 1] == pytest.approx([0.6, 0.6])
    assert st.ra[0, 1] == pytest.approx(1.0)
    assert st.rat[0, 1] == pytest.approx(0.0)
    assert st.pat[0, 1] == pytest.approx(1.0)  # 2*2*(3/4 - 1/2)
    # statement 2, group 0 disagree 3 of 3 vs other group 0 of 2:
    # rd = (4/5) / (1/4) = 3.2; p1 = 1, p2 = 1/3, pooled 5/7,
    # z^2 = (2/3)^2 / (5/7 * 2/7 * (1/4 + 1/3)) = 56/15
    assert st.rd[0, 2] == pytest.approx(3.2)
    assert st.rdt[0, 2] == pytest.approx(math.sqrt(56 / 15))
    # group 1 agrees 2 of 2: pa = 3/4, pat = 2 sqrt(3) (3/3 - 1/2) = sqrt(3)
    assert st.pa[1, 2] == pytest.approx(0.75)
    assert st.pat[1, 2] == pytest.approx(math.sqrt(3))


def test_two_prop_test_degenerate_pooled_one():
    # pooled (s1+s2+2)/(n1+n2+2) = 1 only if all are successes: defined as 0
    assert two_prop_test(np.array([3]), np.array([3]), np.array([3]), np.array([3]))[0] == 0.0
    # Polis adds one to both counts: nobody voted -> 2 sqrt(1) (1/1 - 1/2) = 1
    assert one_prop_test(np.array([0]), np.array([0]))[0] == pytest.approx(1.0)


def test_critical_value():
    assert critical_z(0.9) == pytest.approx(1.2815515655446004)


def test_group_informed_consensus_by_hand():
    gic_a, gic_d = group_informed_consensus(_stats())
    assert gic_a[0] == pytest.approx(0.8 * 0.2)
    assert gic_a[1] == pytest.approx(0.6 * 0.6)
    # statement 2: pd group 0 = 4/5, group 1 = 1/4
    assert gic_d[2] == pytest.approx(0.8 * 0.25)


def test_representative_by_hand():
    st = _stats()
    rep = representative(st, np.ones(4, dtype=bool))
    # group 0: statement 0 passes (pat 2 > 1.28, rat 2.19 > 1.28) and is the best agreed
    # (metric 4 * 2.19 * 0.8 * 2 = 14.0); statement 2 passes as a disagreement
    # (pdt 2, rdt 1.93); agreed statements first.
    assert [(e["statement"], e["direction"]) for e in rep[0]] == [(0, "agree"), (2, "disagree")]
    assert rep[0][0]["best_agree"] is True
    assert rep[0][0]["repness"] == pytest.approx(4.0)
    assert rep[0][1]["repness"] == pytest.approx(3.2)
    # group 1: statement 0 passes as a disagreement (mirror of group 0); statement 2 agree:
    # pat sqrt(3) = 1.73 and rat = two-prop(2 of 2 vs 0 of 3) = 1.93 also pass
    assert {(e["statement"], e["direction"]) for e in rep[1]} == {(0, "disagree"), (2, "agree")}
    assert rep[1][0]["direction"] == "agree"


def test_consensus_by_hand():
    na, nd, ns = np.array([8, 4, 1]), np.array([1, 1, 9]), np.array([10, 6, 10])
    cons = consensus(na, nd, ns, np.array([True, True, True]))
    # statement 0: p = 9/12 = 0.75, z = 2 sqrt(11) (9/11 - 1/2) = 7 sqrt(11) / 11 = 2.11 -> in
    # statement 1: p = 5/8, z = 2 sqrt(7) (5/7 - 1/2) = 1.13 < 1.28 -> out
    assert [e["statement"] for e in cons["agree"]] == [0]
    assert cons["agree"][0]["p_test"] == pytest.approx(7 * math.sqrt(11) / 11)
    # statement 2: disagree 9 of 10: p = 10/12, z = 2 sqrt(11) (10/11 - 1/2) = 9 sqrt(11)/11
    assert cons["disagree"][0]["statement"] == 2
    assert cons["disagree"][0]["p_success"] == pytest.approx(10 / 12)
    # moderated out: never consensus
    assert consensus(na, nd, ns, np.array([False, True, False]))["agree"] == []


def test_priority_by_hand():
    # na=2 nd=1 ns=4 (one pass), extremity 0.5: pa = 3/6, pass p = 2/6,
    # importance = 0.5 * (1 - 1/3) * 1.5 = 0.5, newness = 1 + 8 * 2^(-4/5)
    value = priority(np.array([2.0]), np.array([1.0]), np.array([4.0]), np.array([0.5]),
                     np.array([False]))
    assert value[0] == pytest.approx((0.5 * (1 + 8 * 2 ** -0.8)) ** 2)
    meta = priority(np.array([2.0]), np.array([1.0]), np.array([4.0]), np.array([0.5]),
                    np.array([True]))
    assert meta[0] == pytest.approx(49.0)
    # a statement nobody saw: importance 1/2 * (1 - 1/2) * 1 = 1/4, newness 9
    fresh = priority(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), np.array([False]))
    assert fresh[0] == pytest.approx((0.25 * 9) ** 2)


def test_k_smoother_holds_previous_k_until_four_wins_in_a_row():
    state = None
    used = []
    for this_k in [3, 2, 2, 2, 3, 2, 2, 2, 2, 2]:
        k, last, count = smooth_k(this_k, state, buffer=4)
        used.append(k)
        state = OpinionState(last, count, k)
    # first recompute takes its k; 2 wins 3 times, then 3 interrupts; 2 must win 4 in a row
    assert used == [3, 3, 3, 3, 3, 3, 3, 3, 2, 2]
    assert OpinionState.from_dict(state.to_dict()) == state


def test_choose_next_draws_unseen_statements_by_priority():
    from parlons.core.opinions.stats import choose_next

    rng = np.random.default_rng(0)
    priorities = np.array([1.0, 3.0, 0.0, 6.0])
    seen = np.array([False, False, False, True])
    draws = [choose_next(priorities, seen, rng) for _ in range(4000)]
    # statement 3 was seen, statement 2 has priority 0 (moderated out): never drawn;
    # statements 0 and 1 in proportion 1 : 3
    assert set(draws) == {0, 1}
    assert draws.count(1) / len(draws) == pytest.approx(0.75, abs=0.03)
    assert choose_next(priorities, np.ones(4, dtype=bool), rng) is None
