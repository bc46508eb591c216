"""End to end: `parlons analyse run` on real Decidim exports; the analysis.json invariants
(every figure's ids add up), the bilan files, no personal data, and CLI errors."""

from __future__ import annotations

import json
import re

import pytest
from analysis_paths import DATA, DECIDIM, raw_rows

from parlons.cli import main


@pytest.fixture(scope="module")
def comments_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    status = main(["analyse", "run", str(DECIDIM / "commentaires_debats.csv"), "--out", str(out),
                   "--seed", "1", "--quiet", "--title", "Grand débat MEL"])
    assert status == 0
    return out, json.loads((out / "analysis.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_contribution_is_accounted_for(comments_run):
    _out, analysis = comments_run
    raw = raw_rows(DECIDIM / "commentaires_debats.csv")
    ids = [r["id"] for r in raw if r["body"].strip()]
    assert sorted(row["id"] for row in analysis["contributions"]) == sorted(ids)
    assert analysis["summary"]["contributions"] == len(ids)
    in_themes = [i for t in analysis["themes"] for i in t["member_ids"]]
    by_row = {row["id"]: row for row in analysis["contributions"]}
    for theme in analysis["themes"]:  # a contribution counts in every theme of its ideas
        for i in theme["member_ids"]:
            assert theme["id"] in by_row[i]["themes"]
    assert sum(len(row["themes"]) for row in analysis["contributions"]) == len(in_themes)
    assert all(row["theme"] in row["themes"] for row in by_row.values() if row["theme"])
    set_aside = set(analysis["outliers"]["member_ids"]) | set(analysis["flags"]["spam"]) | set(
        analysis["flags"]["non_french"])
    assert set(in_themes) | set_aside == set(ids)
    assert not set(in_themes) & set_aside
    for theme in analysis["themes"]:
        assert theme["count"] == len(theme["member_ids"])
        assert sum(theme["stance"].values()) == theme["count"]
        assert {q["id"] for q in theme["quotes"]} <= set(theme["member_ids"])
        assert theme["ideas"] >= theme["distinct_texts"]
        for sub in theme["subthemes"]:
            assert set(sub["member_ids"]) <= set(theme["member_ids"])
    for group in analysis["duplicates"]:
        assert group["count"] == len(group["member_ids"]) >= 2
    for group in analysis["duplicates"]:  # duplicates share one analysis
        rows = [by_row[i] for i in group["member_ids"]]
        assert len({(r["theme"], tuple(r["themes"]), r["stance"], r["typology"])
                    for r in rows}) == 1
    channels = analysis["summary"]["by_channel"]
    assert sum(v["count"] for v in channels.values()) == len(ids)


@pytest.mark.slow
def test_bilan_files_carry_ids_and_no_author_names(comments_run):
    out, analysis = comments_run
    from docx import Document

    html = (out / "bilan.html").read_text(encoding="utf-8")
    docx_text = "\n".join(p.text for p in Document(str(out / "bilan.docx")).paragraphs)
    for text in (html, docx_text):
        assert "Grand débat MEL" in text and "Annexe" in text
        for theme in analysis["themes"]:
            assert theme["id"] in text
            for quote in theme["quotes"]:
                assert f"#{quote['id']}" in text
    raw = raw_rows(DECIDIM / "commentaires_debats.csv")
    names = {r["author/name"].strip() for r in raw if len(r["author/name"].strip()) >= 5}
    everything = html + docx_text + json.dumps(analysis, ensure_ascii=False)
    assert len(names) > 50
    assert [n for n in names if re.search(rf"\b{re.escape(n)}\b", everything)] == []


def test_cli_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id;texte\n1;a;b\n", encoding="utf-8")
    assert main(["analyse", "run", str(bad), "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error:") and "line 2" in error
    assert main(["analyse", "run", str(tmp_path / "none.csv"), "--out", str(tmp_path)]) == 2
    assert main(["analyse", "run", str(bad), "--out", str(tmp_path), "--themes", "0"]) == 2
    assert not (tmp_path / "o").exists()


def test_code_next_learns_from_coded_rows_and_suggests_uncoded_ones(tmp_path, capsys):
    from parlons.core.analysis.classify import LinearTextModel

    source = DECIDIM / "commentaires_debats.csv"
    raw = [r for r in raw_rows(source) if r["body"].strip()]
    alignment = {"1": "for", "-1": "against", "0": "none"}
    coded = raw[:200]
    (tmp_path / "coded.csv").write_text(
        "id;label\n" + "".join(f"{r['id']};{alignment[r['alignment']]}\n" for r in coded),
        encoding="utf-8")
    status = main(["analyse", "code-next", str(source), "--coded", str(tmp_path / "coded.csv"),
                   "-n", "5", "--save-model", str(tmp_path / "stance.json")])
    assert status == 0
    lines = capsys.readouterr().out.strip().splitlines()
    suggested = [line.split("\t")[0] for line in lines[1:]]
    assert len(suggested) == 5 and not set(suggested) & {r["id"] for r in coded}
    model = LinearTextModel.load(tmp_path / "stance.json")
    assert set(model.classes) == {"for", "against", "none"}
    (tmp_path / "wrong.csv").write_text("id;label\nnope;for\n", encoding="utf-8")
    assert main(["analyse", "code-next", str(source), "--coded",
                 str(tmp_path / "wrong.csv")]) == 2
    assert "ids not in" in capsys.readouterr().err


@pytest.mark.slow
def test_long_contributions_are_split_into_traceable_ideas(comments_run):
    _out, analysis = comments_run
    from parlons.core.analysis.readers import read_contributions

    read = read_contributions(DECIDIM / "commentaires_debats.csv")
    texts = {c.id: c.full_text for c in read.contributions}  # offsets point into these
    ideas = analysis["method"]["ideas"]
    assert ideas["split"] and ideas["texts_split"] > 50 and ideas["units"] > len(
        {r["id"] for r in analysis["contributions"]})
    split_rows = [r for r in analysis["contributions"] if r["ideas"]]
    assert len(split_rows) >= ideas["texts_split"]  # copies of a split text are split too
    assert any(len(r["themes"]) >= 2 for r in split_rows)
    for row in split_rows:  # ideas tile the text in order, each a passage of the original
        spans = [(i["start"], i["end"]) for i in row["ideas"]]
        assert spans == sorted(spans) and all(a < b for a, b in spans)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
        for idea in row["ideas"]:
            assert idea["theme"] is None or idea["theme"] in row["themes"]
    parts = 0
    for theme in analysis["themes"] + [s for t in analysis["themes"] for s in t["subthemes"]]:
        for quote in theme["quotes"]:
            passage = texts[quote["id"]][quote["start"]:quote["end"]]
            assert passage.startswith(quote["text"].rstrip("…")) and passage.strip() == passage
            parts += quote["part"]
    assert parts > 0


def _as_format_1(analysis: dict) -> dict:
    """The same analysis as a format-1 file (no idea units, one theme per contribution)."""
    old = json.loads(json.dumps(analysis))
    old["format"] = "parlons-analysis/1"
    old["method"].pop("ideas")
    for row in old["contributions"]:
        row.pop("themes")
        row.pop("ideas")
    for theme in old["themes"] + [s for t in old["themes"] for s in t["subthemes"]]:
        for quote in theme["quotes"]:
            for key in ("start", "end", "part"):
                quote.pop(key)
    return old


@pytest.mark.slow
def test_report_rewrites_the_bilan_from_format_2_and_format_1_files(comments_run, tmp_path,
                                                                     capsys):
    out, analysis = comments_run
    assert analysis["format"] == "parlons-analysis/2"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(_as_format_1(analysis), ensure_ascii=False), encoding="utf-8")
    for source, target in ((out / "analysis.json", tmp_path / "v2"), (old, tmp_path / "v1")):
        assert main(["analyse", "report", str(source), "--out", str(target)]) == 0
        assert sorted(p.name for p in target.iterdir()) == ["bilan.docx", "bilan.html"]
        html = (target / "bilan.html").read_text(encoding="utf-8")
        for theme in analysis["themes"]:
            assert theme["id"] in html and theme["quotes"][0]["id"] in html
    assert "car. " in (tmp_path / "v2" / "bilan.html").read_text(encoding="utf-8")
    assert "car. " not in (tmp_path / "v1" / "bilan.html").read_text(encoding="utf-8")


def test_report_refuses_unknown_or_broken_files_and_writes_nothing(tmp_path, capsys):
    cases = {"future.json": json.dumps({"format": "parlons-analysis/9"}),
             "other.json": json.dumps([1, 2]),
             "broken.json": '{"format": "parlons-analysis/2", ',
             "partial.json": json.dumps({"format": "parlons-analysis/2", "themes": []})}
    for name, content in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        assert main(["analyse", "report", str(tmp_path / name), "--out",
                     str(tmp_path / "out")]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and error[0].startswith(f"error: {tmp_path / name}")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_campaign_texts_give_way_to_individual_voices_as_quotes():
    from parlons.core.analysis import datasets
    from parlons.core.analysis.model import Contribution
    from parlons.core.analysis.pipeline import Options, run_analysis

    answers = [Contribution(f"a{c.id}", c.text) for c in datasets.an_themes(DATA)[:300]]
    no_malus = Options(n_themes=4, campaign_quote_malus=0.0)
    quoted = run_analysis(answers, no_malus)["themes"][0]["quotes"][0]["id"]
    text = next(c.text for c in answers if c.id == quoted)
    campaign = answers + [Contribution(f"copy{k}", text) for k in range(5)]  # 6 copies
    without = run_analysis(campaign, no_malus)
    assert quoted in [q["id"] for q in without["themes"][0]["quotes"]]  # same distinct texts
    default = run_analysis(campaign)  # Options(): campaigns (3+ copies) lose 0.3
    assert all(q["id"] != quoted for t in default["themes"] for q in t["quotes"])
    assert any(g["representative_id"] == quoted and g["count"] == 6
               for g in default["duplicates"])
