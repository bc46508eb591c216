"""``parlons pb``: tally, check, convert."""

from __future__ import annotations

import json

from budgeting_helpers import PB, make_pb

from parlons.cli import main
from parlons.core.budgeting.pabulib import read_pabulib

SWIECIE = PB / "Poland_Swiecie_2023.pb"


def test_budgeting_cli_tally_json_shape(capsys):
    assert main(["pb", "tally", str(SWIECIE), "--rule", "mes", "--completion", "add1",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"rule", "winners", "cost", "budget", "metrics"}
    assert data["rule"] == "mes+add1"
    instance, _ = read_pabulib(SWIECIE)
    official = {p for p, pr in instance.projects.items() if pr.fields["selected"] == "1"}
    assert set(data["winners"]) == official
    assert len(data["winners"]) == 17
    assert data["cost"] <= data["budget"]
    assert 0.99 < data["metrics"]["share_voters_with_funded_project"] <= 1


def test_budgeting_cli_every_rule_runs(capsys, tmp_path):
    path = tmp_path / "s.pb"
    path.write_text(make_pb(30, [("A", 20), ("B", 10), ("C", 12)],
                            [("v1", "A,B"), ("v2", "A,B"), ("v3", "C")]), encoding="utf-8")
    for rule in ("greedy", "greedy-utilitarian", "mes", "phragmen", "max-welfare"):
        assert main(["pb", "tally", str(path), "--rule", rule, "--format", "json",
                     "--exact"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["cost"] <= 30
    assert main(["pb", "tally", str(path), "--rule", "mes", "--sat", "cardinality",
                 "--explain"]) == 0
    out = capsys.readouterr().out
    assert "B: funded" in out and "A: not funded" in out


def test_budgeting_cli_check_and_convert(capsys, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(make_pb(30, [("A", 20)], [("v1", "A"), ("v1", "Z")]), encoding="utf-8")
    assert main(["pb", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "duplicate voter id 'v1'" in out and "unknown project(s) Z" in out
    out_path = tmp_path / "copy.pb.gz"
    assert main(["pb", "convert", str(SWIECIE), str(out_path)]) == 0
    capsys.readouterr()
    assert main(["pb", "check", str(out_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["voters"] == 2553


def test_budgeting_cli_bad_input_is_one_line(capsys, tmp_path):
    assert main(["pb", "tally", str(tmp_path / "missing.pb")]) == 2
    assert capsys.readouterr().err.startswith("error: no such file")
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nbudget;x\nPROJECTS\nproject_id;cost\n1;5\n"
                      "VOTES\nvoter_id;vote\n1;1\n", encoding="utf-8")
    assert main(["pb", "tally", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "budget is not a number" in err
    assert main(["pb", "tally", str(SWIECIE), "--rule", "greedy", "--completion", "add1"]) == 2
