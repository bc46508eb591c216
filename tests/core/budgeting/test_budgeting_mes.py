"""Method of Equal Shares: hand-computed cases and the official results decided by MES."""

from __future__ import annotations

from fractions import Fraction

import pytest
from budgeting_helpers import PB, make_pb

from parlons.core.budgeting.mes import _NearTie, equal_shares, prepare, run_exact, run_float
from parlons.core.budgeting.mes_float import FloatRun
from parlons.core.budgeting.pabulib import parse_pabulib, read_pabulib
from parlons.core.budgeting.rules import tally

# budget 30, three voters (10 each): v1, v2 approve A (20) and B (10); v3 approves C (12)
SMALL = make_pb(30, [("A", 20), ("B", 10), ("C", 12)], [("v1", "A,B"), ("v2", "A,B"),
                                                        ("v3", "C")])


def test_budgeting_mes_cost_utilities_by_hand():
    instance, profile = parse_pabulib(SMALL)
    # A: v1, v2 pay 10 each for 20 units of utility each: rho = 1/2; B: 5 each for 10: 1/2.
    # Tie broken by id: A. Then v1, v2 have nothing left; C (12) exceeds v3's 10.
    for exact in (True, False):
        assert equal_shares(instance, profile, "cost", exact=exact).winners == ["A"]


def test_budgeting_mes_cardinality_utilities_by_hand():
    instance, profile = parse_pabulib(SMALL)
    # rho(A) = 10 per project, rho(B) = 5: B first; then 5 + 5 < 20 for A.
    assert equal_shares(instance, profile, "cardinality", exact=True).winners == ["B"]


def test_budgeting_mes_completions_by_hand():
    instance, profile = parse_pabulib(SMALL)
    # +1 per voter: at 11 each still {A}; at 12 each v3 buys C: {A, C} costs 32 > 30.
    assert equal_shares(instance, profile, "cost", "add1", exact=True).winners == ["A"]
    assert equal_shares(instance, profile, "cost", "add1-exhaustive").winners == ["A"]
    # then utilitarian greedy (cost satisfaction: by supporters): B (2 supporters) fits
    assert equal_shares(instance, profile, "cost", "add1u").winners == ["A", "B"]
    assert equal_shares(instance, profile, "cost", "utilitarian").winners == ["A", "B"]


def test_budgeting_mes_exact_rational_prices():
    # 3 voters, budget 10: each has 10/3; project X (cost 5) approved by all: price 5/3 each
    text = make_pb(10, [("X", 5), ("Y", 4)], [("a", "X"), ("b", "X"), ("c", "X,Y")])
    instance, profile = parse_pabulib(text)
    data = prepare(instance, profile, "cardinality")
    # after X, c has 10/3 - 5/3 = 5/3 < 4: Y unaffordable
    assert [data.candidates[i] for i in run_exact(data, Fraction(10, 3))] == ["X"]
    # at 4 each, c keeps 4 - 5/3 = 7/3 < 4: still only X; at 6, c keeps 13/3 >= 4
    assert [data.candidates[i] for i in run_exact(data, Fraction(6))] == ["X", "Y"]
    assert [data.candidates[i] for i in run_float(data, 10 / 3)[0]] == ["X"]
    runs = FloatRun(data)  # tracked: says how far the outcome holds
    sel, change = runs.run(10 / 3)
    assert [data.candidates[i] for i in sel] == ["X"]
    # the outcome changes at 4 + 5/3, when c keeps 4 after paying for X: the run's bound must
    # never pass it (Y affordable in the first round at beta = 4 is no change: X is cheaper)
    assert 10 / 3 < change <= 17 / 3 + 1e-9
    assert [data.candidates[i] for i in run_exact(data, Fraction(17, 3) - Fraction(1, 100))] \
        == ["X"]
    assert [data.candidates[i] for i in run_exact(data, Fraction(17, 3))] == ["X", "Y"]
    # resumed at 6: X's purchase is kept (its limit is past 6), the end of the run redone
    done = runs.purchases
    sel, change = runs.run(6.2)
    assert [data.candidates[i] for i in sel] == ["X", "Y"]
    assert change == float("inf")
    assert runs.purchases - done == 2  # buying Y, then finding nothing more


OFFICIAL = [
    ("Poland_Wieliczka_2023_Green_Budget.pb", 30),
    ("Poland_Swiecie_2023.pb", 17),
    ("Netherlands_Assen_2024.pb", 9),
    ("Netherlands_Assen_2025.pb", 13),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n_funded"), OFFICIAL)
def test_budgeting_mes_add1_reproduces_official_results(name, n_funded):
    instance, profile = read_pabulib(PB / name)
    official = {p for p, pr in instance.projects.items() if pr.fields["selected"] == "1"}
    assert len(official) == n_funded
    outcome = equal_shares(instance, profile, "cost", "add1")
    assert set(outcome.winners) == official
    assert instance.cost(outcome.winners) <= instance.budget


@pytest.mark.slow
def test_budgeting_mes_exact_equals_float_on_official_files():
    # the full exact Add1 (one exact run per step) is run by benchmarks/budgeting_oracle.py
    for name, _ in OFFICIAL:
        instance, profile = read_pabulib(PB / name)
        for sat in ("cost", "cardinality"):
            assert equal_shares(instance, profile, sat, exact=True).winners == equal_shares(
                instance, profile, sat).winners, name


@pytest.mark.slow
def test_budgeting_mes_add1_exhaustive_overshoots_wieliczka():
    # NOTES: stopping at the first exhaustive outcome funds 31 projects, not the official 30
    instance, profile = read_pabulib(PB / "Poland_Wieliczka_2023_Green_Budget.pb")
    assert len(equal_shares(instance, profile, "cost", "add1-exhaustive").winners) == 31


@pytest.mark.slow
def test_budgeting_mes_comparison_keeps_mes_in_wieliczka():
    instance, profile = read_pabulib(PB / "Poland_Wieliczka_2023_Green_Budget.pb")
    official = {p for p, pr in instance.projects.items() if pr.fields["selected"] == "1"}
    outcome = tally(instance, profile, "mes", completion="add1", comparison=True)
    assert outcome.details["comparison"]["kept"] == "mes"
    assert set(outcome.winners) == official
    # NOTES: 82.2 % of voters have a funded project under MES vs 72.4 % under greedy
    assert outcome.metrics["share_voters_with_funded_project"] == pytest.approx(0.822, abs=5e-4)
    greedy_outcome = tally(instance, profile, "greedy")
    assert greedy_outcome.metrics["share_voters_with_funded_project"] == pytest.approx(
        0.724, abs=5e-4)


def test_budgeting_small_mes_tally_does_not_import_numpy(tmp_path):
    # reading + greedy or MES on a small election must not pay for NumPy's import
    import json
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    src = Path(__file__).resolve().parents[3] / "src"
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from parlons.core.budgeting.pabulib import read_pabulib;"
        "from parlons.core.budgeting.greedy import greedy_utilitarian;"
        "from parlons.core.budgeting.mes import equal_shares;"
        "i, p = read_pabulib(sys.argv[2]);"
        "print(json.dumps([equal_shares(i, p, 'cost').winners,"
        " equal_shares(i, p, 'cardinality', 'utilitarian').winners,"
        " greedy_utilitarian(i, p, 'cost'), 'numpy' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(src), str(path)], capture_output=True,
                         text=True, check=True).stdout
    mes_cost, mes_card, _, numpy_loaded = json.loads(out)
    assert numpy_loaded is False
    # the winners computed by hand above: A (cost utilities), B first (cardinality)
    assert (mes_cost, mes_card[:1]) == (["A"], ["B"])


def test_budgeting_mes_tracked_run_sees_a_rival_overtake():
    # A (cost 6: 2 each from v1-v3) first. Then B (cost 10, v1 and v4) against C (cost 11,
    # 5.5 each from v5 and v6): v1 keeps beta - 2 < 5, pays it all, so B costs v4
    # 12 - beta: C is cheaper below beta = 6.5, B above it
    text = make_pb(36, [("A", 6), ("B", 10), ("C", 11)],
                   [("1", "A,B"), ("2", "A"), ("3", "A"), ("4", "B"), ("5", "C"), ("6", "C")])
    instance, profile = parse_pabulib(text)
    data = prepare(instance, profile, "cardinality")
    names = data.candidates.__getitem__
    runs = FloatRun(data)
    sel, change = runs.run(6.2)
    assert list(map(names, sel)) == ["A", "C", "B"]
    assert 6.2 < change <= 6.5 + 1e-9
    sel, _ = runs.run(7.2)
    assert list(map(names, sel)) == ["A", "B", "C"]
    assert list(map(names, run_exact(data, Fraction(7)))) == ["A", "B", "C"]
    assert list(map(names, run_exact(data, Fraction(13, 2) - Fraction(1, 1000)))) == \
        ["A", "C", "B"]


def test_budgeting_mes_float_resolves_exact_ties_without_an_exact_run():
    # cost utilities: a project whose supporters are all rich costs each 1 / (their number)
    # per unit of utility, whatever its cost: B (2 supporters) and C (2) tie exactly, and the
    # tie-break (id) buys B first; the float run must not give up on this tie
    text = make_pb(400, [("B", 30), ("C", 70), ("D", 90)],
                   [("1", "B"), ("2", "B"), ("3", "C"), ("4", "C"), ("5", "D")])
    instance, profile = parse_pabulib(text)
    data = prepare(instance, profile, "cost")
    names = data.candidates.__getitem__
    sel, _ = run_float(data, 80.0)
    assert list(map(names, sel)) == ["B", "C"] == list(map(names, run_exact(data, Fraction(80))))
    # a tie in floating point only (prices 1/3 and 1.0000000001/3): the exact run decides
    text = make_pb(400, [("B", 1), ("C", "1.0000000001")],
                   [("1", "B,C"), ("2", "B,C"), ("3", "B,C")])
    instance, profile = parse_pabulib(text)
    data = prepare(instance, profile, "cardinality")
    with pytest.raises(_NearTie):
        run_float(data, 1.0)
    assert list(map(data.candidates.__getitem__, run_exact(data, Fraction(1)))) == ["B", "C"]
