"""Alternates drawn in advance, and the PDF audit report."""

from __future__ import annotations

import json

import numpy as np
from sortition_paths import instance_dir, load

from parlons.cli import main
from parlons.core.sortition.audit import audit_data, pseudonym
from parlons.core.sortition.draw import draw
from parlons.core.sortition.model import Instance, Quota
from parlons.core.sortition.oracle import panel_ok


def test_alternates_replace_their_member_within_quotas_and_households():
    inst = load("sf_fixture_22", "normalized_households")
    result = draw(inst, "maximin", "alt-seed", alternates=12)
    assert [a.rank for a in result.alternates] == list(range(1, 13))
    listed = [a.index for a in result.alternates]
    assert len(set(listed)) == 12 and not set(listed) & set(result.panel)
    households = inst.household[result.panel + listed]
    households = households[households >= 0]
    assert len(households) == len(set(households.tolist()))  # one per household, panel included
    for a in result.alternates:
        assert a.quota_preserving and a.replaces in result.panel
        replaced = [i for i in result.panel if i != a.replaces] + [a.index]
        assert panel_ok(inst, replaced)
    # asking for alternates does not change the panel; the list is a function of the seed
    assert draw(inst, "maximin", "alt-seed").panel == result.panel
    again = draw(inst, "maximin", "alt-seed", alternates=12)
    assert again.alternate_ids == result.alternate_ids


def test_alternates_prefer_like_for_like_substitutes():
    inst = load("sf_fixture_22")
    result = draw(inst, "maximin", "like", alternates=5)
    for a in result.alternates:
        others = np.setdiff1d(np.arange(inst.n), result.panel)
        best = max(int((inst.values[o] == inst.values[a.replaces]).sum()) for o in others
                   if panel_ok(inst, [i for i in result.panel if i != a.replaces] + [o]))
        assert int((inst.values[a.index] == inst.values[a.replaces]).sum()) <= best
    first = result.alternates[0]  # nobody was listed before it: it is one of the closest
    others = [o for o in range(inst.n) if o not in result.panel
              and panel_ok(inst, [i for i in result.panel if i != first.replaces] + [o])]
    closeness = [(inst.values[o] == inst.values[first.replaces]).sum() for o in others]
    assert (inst.values[first.index] == inst.values[first.replaces]).sum() == max(closeness)


def test_alternates_without_a_quota_preserving_substitute_are_flagged():
    # Nobody can replace anyone: the "x" volunteer has a maximum of 0 and each sex is unique.
    inst = Instance(ids=["a", "b", "c"], features=["sex"],
                    quotas=[Quota("sex", "f", 1, 1), Quota("sex", "m", 1, 1),
                            Quota("sex", "x", 0, 0)],
                    values=np.array([[0], [1], [2]]), household=np.full(3, -1), panel_size=2)
    result = draw(inst, "leximin", "s", alternates=4)
    assert result.panel == [0, 1]
    assert [(a.index, a.replaces, a.quota_preserving) for a in result.alternates] == [
        (2, None, False)]   # the pool is exhausted after one


def test_cli_alternates_json_and_pdf_report(capsys, tmp_path):
    from pypdf import PdfReader

    folder = instance_dir("sf_fixture_22", "normalized_households")
    report = tmp_path / "audit.pdf"
    assert main(["sortition", "draw", "--features", str(folder / "features.csv"), "--people",
                 str(folder / "people.csv"), "--panel-size", "22", "--address-columns",
                 "primary_address1", "primary_zip", "--algorithm", "maximin", "--seed", "7",
                 "--alternates", "3", "--format", "json", "--report", str(report)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [a["rank"] for a in out["alternates"]] == [1, 2, 3]
    assert all(a["replaces"] in out["panel"] and a["id"] not in out["panel"]
               for a in out["alternates"])
    audit = json.loads(report.with_suffix(".json").read_text())
    assert len(audit["alternates"]) == 3 and "--alternates 3" in audit["rerun"]
    text = "\n".join(page.extract_text() for page in PdfReader(report).pages)
    flat = "".join(text.split())  # long hashes wrap inside their table cells
    for needle in ("Sortition audit report", "Panel versus quotas", "How to re-run",
                   "Alternates (in the order they are called)", "seed 7",
                   audit["canonical_input_sha256"], audit["alternates"][0]["pseudonym"],
                   *audit["panel"], *(v["pseudonym"] for v in audit["volunteers"][:40])):
        assert "".join(needle.split()) in flat, needle
    assert "\np1\n" not in text and " p1 " not in text  # pseudonymised: no raw ids


def test_cli_rejects_negative_alternates(capsys):
    folder = instance_dir("sf_fixture_22")
    code = main(["sortition", "draw", "--features", str(folder / "features.csv"), "--people",
                 str(folder / "people.csv"), "--panel-size", "22", "--alternates", "-1"])
    assert code == 2 and "--alternates" in capsys.readouterr().err


def test_audit_data_lists_alternates_by_pseudonym():
    inst = load("sf_fixture_22")
    result = draw(inst, "maximin", "p", alternates=2)
    data = audit_data(result)
    digest = inst.digest()
    assert [a["pseudonym"] for a in data["alternates"]] == [
        pseudonym(digest, pid) for pid in result.alternate_ids]
