"""Maximin, leximin and Nash against exact enumeration and against sortition-algorithms."""

from __future__ import annotations

import numpy as np
import pytest
from sortition_bruteforce import exact_leximin, exact_nash, feasible_panels
from sortition_paths import load

from parlons.core.sortition.leximin import find_distribution
from parlons.core.sortition.model import Instance, Quota
from parlons.core.sortition.nash import find_distribution_nash
from parlons.core.sortition.oracle import panel_ok


def tiny(households: bool = False) -> Instance:
    """10 volunteers, panel of 4; two features with uneven supply."""
    quotas = [Quota("sex", "f", 2, 2), Quota("sex", "m", 2, 2),
              Quota("age", "young", 1, 3), Quota("age", "mid", 1, 2), Quota("age", "old", 0, 1)]
    people = [(0, 0), (0, 0), (0, 1), (0, 2), (1, 0), (1, 0), (1, 0), (1, 0), (1, 1), (1, 2)]
    hh = [-1] * 10
    if households:
        hh[2], hh[8] = 7, 7  # the only two "mid" volunteers live together
        hh[0], hh[4] = 3, 3
    return Instance(ids=[f"v{i:02d}" for i in range(10)], features=["sex", "age"],
                    quotas=quotas, values=np.array(people), household=np.array(hh),
                    panel_size=4)


def _check_distribution(dist) -> np.ndarray:
    inst = dist.instance
    _, members = inst.types()
    assert abs(dist.weights.sum() - 1) < 1e-9 and (dist.weights > 0).all()
    for counts in dist.panels:
        chosen = np.concatenate([members[t][:c] for t, c in enumerate(counts)])
        assert panel_ok(inst, chosen)
        assert (counts <= [len(m) for m in members]).all()
    probs = dist.probabilities()
    assert abs(probs.sum() - inst.panel_size) < 1e-6
    return probs


@pytest.mark.parametrize("households", [False, True])
def test_leximin_equals_exact_enumeration(households):
    inst = tiny(households)
    expected = np.sort(exact_leximin(inst))
    probs = _check_distribution(find_distribution(inst, "leximin"))
    assert np.abs(np.sort(probs) - expected).max() < 1e-6
    assert np.abs(probs - exact_leximin(inst)).max() < 1e-6  # unique leximin: per person too


@pytest.mark.parametrize("households", [False, True])
def test_maximin_minimum_equals_exact(households):
    inst = tiny(households)
    probs = _check_distribution(find_distribution(inst, "maximin"))
    assert abs(probs.min() - exact_leximin(inst).min()) < 1e-7


def test_nash_equals_exact_enumeration():
    inst = tiny(True)
    probs = _check_distribution(find_distribution_nash(inst))
    expected = exact_nash(inst)
    assert np.abs(probs - expected).max() < 1e-4


def test_hand_computed_leximin():
    # 3 women and 1 man, panel of 2 with exactly one of each: the man is always selected,
    # each woman with probability 1/3.
    inst = Instance(ids=["a", "b", "c", "d"], features=["sex"],
                    quotas=[Quota("sex", "f", 1, 1), Quota("sex", "m", 1, 1)],
                    values=np.array([[0], [0], [0], [1]]), household=np.full(4, -1),
                    panel_size=2)
    assert len(feasible_panels(inst)) == 3
    probs = find_distribution(inst, "leximin").probabilities()
    assert np.allclose(probs, [1 / 3, 1 / 3, 1 / 3, 1.0])


def test_example_small_20_reference():
    # Published: LEXIMIN minimum probability 10.0% = k/n (every volunteer equal).
    probs = _check_distribution(find_distribution(load("example_small_20"), "leximin"))
    assert np.allclose(probs, 0.1, atol=1e-6)


def _peer_maximin_min(name: str, variant: str = "normalized") -> float:
    """Minimum probability of sortition-algorithms' maximin (HiGHS) on a shared instance."""
    import json

    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings
    from sortition_paths import instance_dir

    folder = instance_dir(name, variant)
    meta = json.loads((folder / "instance.json").read_text())
    import csv

    with open(folder / "features.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    features, _, _ = read_in_features(header, rows, meta["panel_size_k"])
    settings = Settings(id_column="id", columns_to_keep=[],
                        check_same_address=bool(meta["address_columns"]),
                        check_same_address_columns=meta["address_columns"])
    with open(folder / "people.csv", newline="") as handle:
        prow = list(csv.DictReader(handle))
    people, _ = read_in_people(list(prow[0]), prow, features, settings)
    committees, marginals, _ = find_distribution_maximin(
        features, people, meta["panel_size_k"], meta["address_columns"])
    probs = {pid: 0.0 for pid in people}
    for committee, p in zip(committees, marginals, strict=True):
        for pid in committee:
            probs[pid] += p
    return min(probs.values())


@pytest.mark.slow
@pytest.mark.parametrize("name, variant", [("sf_fixture_22", "normalized_households"),
                                           ("opendlp_monitoring_30", "normalized")])
def test_minimum_matches_sortition_algorithms(name, variant):
    inst = load(name, variant)
    algorithm = "leximin" if variant == "normalized_households" else "maximin"
    ours = _check_distribution(find_distribution(inst, algorithm))
    assert abs(ours.min() - _peer_maximin_min(name, variant)) < 1e-4


def random_instance(seed: int, households: bool) -> Instance:
    """16 volunteers, panel of 6, three features with loose quotas (thousands of panels)."""
    rng = np.random.default_rng(seed)
    quotas = [Quota("sex", "f", 2, 4), Quota("sex", "m", 2, 4),
              Quota("age", "young", 1, 3), Quota("age", "mid", 1, 3), Quota("age", "old", 1, 3),
              Quota("area", "north", 2, 4), Quota("area", "south", 2, 4)]
    values = np.column_stack([rng.integers(0, 2, 16), rng.choice(3, 16, p=[0.5, 0.3, 0.2]),
                              rng.choice(2, 16, p=[0.7, 0.3])])
    hh = np.full(16, -1)
    if households:
        hh[[0, 5]] = 1
        hh[[3, 9, 12]] = 2
    return Instance(ids=[f"r{i:02d}" for i in range(16)], features=["sex", "age", "area"],
                    quotas=quotas, values=values, household=hh, panel_size=6)


@pytest.mark.parametrize("seed, households", [(1, False), (2, True), (3, False)])
@pytest.mark.parametrize("max_columns", [None, 8])
def test_leximin_equals_enumeration_on_random_pools(seed, households, max_columns):
    # max_columns=8 makes the master LP delete non-basic panels after nearly every round
    inst = random_instance(seed, households)
    expected = exact_leximin(inst)
    probs = _check_distribution(find_distribution(inst, "leximin", max_columns=max_columns))
    assert np.abs(np.sort(probs) - np.sort(expected)).max() < 1e-6
