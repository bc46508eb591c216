"""Verifiable lottery: determinism across processes, uniformity, draws follow the distribution."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
from sortition_paths import instance_dir, load
from test_sortition_algorithms import tiny

from parlons.core.sortition.draw import draw, replacement_instance
from parlons.core.sortition.legacy import NumpySource, legacy_draw, legacy_probabilities
from parlons.core.sortition.leximin import find_distribution
from parlons.core.sortition.lottery import SeededStream, draw_from_distribution
from parlons.core.sortition.oracle import panel_ok


def test_stream_is_a_fixed_function_of_its_key():
    a = SeededStream.for_draw("seed", "digest", "leximin")
    b = SeededStream.for_draw("seed", "digest", "leximin")
    c = SeededStream.for_draw("seed2", "digest", "leximin")
    xs = [a.randbelow(1000) for _ in range(50)]
    assert xs == [b.randbelow(1000) for _ in range(50)]
    assert xs != [c.randbelow(1000) for _ in range(50)]


def test_randbelow_is_uniform():
    stream = SeededStream(b"k")
    counts = Counter(stream.randbelow(6) for _ in range(6000))
    assert set(counts) == set(range(6))
    chi2 = sum((c - 1000) ** 2 / 1000 for c in counts.values())
    assert chi2 < 20.5  # 99.9% quantile of chi-square with 5 degrees of freedom
    assert sorted(stream.sample(list(range(10)), 10)) == list(range(10))


def test_draws_follow_the_probabilities():
    inst = tiny(True)
    dist = find_distribution(inst, "leximin")
    hits = np.zeros(inst.n)
    runs = 4000
    for r in range(runs):
        _, panel = draw_from_distribution(dist, SeededStream(r.to_bytes(4, "big")))
        assert panel_ok(inst, panel)
        hits[panel] += 1
    # binomial standard error <= 0.008; allow 4.5 of them
    assert np.abs(hits / runs - dist.probabilities()).max() < 0.036


def test_same_seed_same_panel_and_no_seed_is_random():
    inst = load("sf_fixture_22", "normalized_households")
    first = draw(inst, "maximin", "2026-11-23 lotto 4 12 19 33 41")
    second = draw(inst, "maximin", "2026-11-23 lotto 4 12 19 33 41")
    assert first.panel_ids == second.panel_ids and panel_ok(inst, first.panel)
    fresh = draw(inst, "maximin")
    assert fresh.seed_generated and len(fresh.seed) == 32 and fresh.seed != first.seed


def _cli_panel(hashseed: str) -> dict:
    folder = instance_dir("sf_fixture_22", "normalized_households")
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run(
        [sys.executable, "-m", "parlons.cli", "sortition", "draw", "--features",
         str(folder / "features.csv"), "--people", str(folder / "people.csv"), "--panel-size",
         "22", "--address-columns", "primary_address1", "primary_zip", "--algorithm", "maximin",
         "--seed", "public-seed-1", "--format", "json"],
        capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def test_deterministic_across_processes_and_hash_seeds():
    a, b = _cli_panel("1"), _cli_panel("2024")
    assert a["panel"] == b["panel"] and len(a["panel"]) == 22
    assert a["probabilities"] == b["probabilities"]


def test_legacy_respects_quotas_and_households():
    inst = load("sf_fixture_22", "normalized_households")
    for seed in range(5):
        assert panel_ok(inst, legacy_draw(inst, NumpySource(seed)))
    probs, _ = legacy_probabilities(inst, draws=100)
    assert abs(probs.sum() - 22) < 1e-9


def test_replacement_round_adjusts_quotas():
    inst = load("sf_fixture_22", "normalized_households")
    first = draw(inst, "maximin", "s")
    confirmed, declined = first.panel_ids[:18], first.panel_ids[18:]
    round2 = replacement_instance(inst, confirmed, declined)
    assert round2.panel_size == 4
    assert not set(round2.ids) & set(first.panel_ids)
    second = draw(round2, "maximin", "s2")
    final = sorted(inst.ids.index(p) for p in [*confirmed, *second.panel_ids])
    assert panel_ok(inst, final)  # the completed panel meets the original quotas and households
