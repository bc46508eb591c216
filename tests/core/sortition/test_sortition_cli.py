"""``parlons sortition``: JSON output, clear errors, infeasible quotas, audit report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sortition_paths import instance_dir, load

from parlons.cli import main
from parlons.core.sortition.feasibility import check_feasible, suggest_relaxation
from parlons.core.sortition.model import InfeasibleQuotasError
from parlons.core.sortition.oracle import panel_ok

HOUSEHOLDS = instance_dir("sf_fixture_22", "normalized_households")
ARGS = ["sortition", "draw", "--features", str(HOUSEHOLDS / "features.csv"), "--people",
        str(HOUSEHOLDS / "people.csv"), "--panel-size", "22", "--address-columns",
        "primary_address1", "primary_zip"]


def test_draw_json(capsys, tmp_path):
    report = tmp_path / "audit.html"
    assert main([*ARGS, "--algorithm", "maximin", "--seed", "7", "--format", "json",
                 "--report", str(report)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"panel", "probabilities", "min_probability", "algorithm", "seed"}
    assert out["algorithm"] == "maximin" and out["seed"] == "7"
    assert abs(out["min_probability"] - 1 / 11) < 1e-6
    assert abs(sum(out["probabilities"].values()) - 22) < 1e-5
    inst = load("sf_fixture_22", "normalized_households")
    assert panel_ok(inst, [inst.ids.index(p) for p in out["panel"]])
    page = report.read_text()
    audit = json.loads(report.with_suffix(".json").read_text())
    assert "Panel versus quotas" in page and "--seed 7" in page
    assert all(q["met"] for q in audit["quotas"])
    assert len(audit["volunteers"]) == 150 and sum(v["selected"] for v in audit["volunteers"]) == 22
    assert ">p1<" not in page and '"p1"' not in report.with_suffix(".json").read_text()
    assert audit["inputs"]["people"]["sha256"] and audit["canonical_input_sha256"]


def test_unknown_value_is_a_one_line_error(capsys, write):
    features = write("f.csv", "feature,value,min,max\ng,F,1,1\ng,M,1,1\n")
    people = write("p.csv", "id,g\na,F\nb,M\nc,Q\n")
    code = main(["sortition", "draw", "--features", str(features), "--people", str(people),
                 "--panel-size", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "line 4: unknown value 'Q'" in err and "Traceback" not in err


def test_infeasible_quotas_suggest_relaxation(capsys):
    folder = instance_dir("geneva_30")
    code = main(["sortition", "check", "--features", str(folder / "features.csv"),
                 "--people", str(folder / "people.csv"), "--panel-size", "31"])
    err = capsys.readouterr().err
    assert code == 2 and "smallest relaxation" in err


def test_relaxation_is_minimal_and_feasible():
    # Geneva's quotas are exact and sum to 30 in each of the 7 features: a panel of 31 needs
    # one more seat in every feature, so the smallest relaxation changes 7 bounds by 1.
    inst = load("geneva_30").with_changes(panel_size=31)
    try:
        check_feasible(inst)
        raise AssertionError("expected infeasible")
    except InfeasibleQuotasError as exc:
        suggestion = exc.suggestion
    assert suggestion is not None
    change = sum(abs(a.min - b.min) + abs(a.max - b.max)
                 for a, b in zip(inst.quotas, suggestion, strict=True))
    assert change == 7
    check_feasible(inst.with_changes(quotas=suggestion))


def test_flex_bounds_limit_the_relaxation():
    from parlons.core.sortition.model import Quota

    inst = load("geneva_30")
    frozen = [Quota(q.feature, q.value, q.min, q.max, q.min, q.max) for q in inst.quotas]
    assert suggest_relaxation(inst.with_changes(quotas=frozen, panel_size=31)) is None


@pytest.mark.slow
def test_geneva_maximin_matches_published_leximin_minimum():
    # Published (thesis repo, Gurobi leximin): minimum selection probability 0.0653264 on the
    # real Geneva pool; the maximin minimum is the leximin minimum.
    import csv

    from sortition_paths import DATA

    from parlons.core.sortition.leximin import find_distribution

    with open(DATA / "reference/geneva_30/geneva_30_prob_allocs_data.csv", newline="") as f:
        published = min(float(r["selection probability"]) for r in csv.DictReader(f)
                        if r["algorithm"] == "LexiMin")
    probs = find_distribution(load("geneva_30"), "maximin").probabilities()
    assert abs(probs.min() - published) < 1e-4
    assert np.isclose(probs.sum(), 30)
