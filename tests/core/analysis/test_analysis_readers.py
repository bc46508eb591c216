"""Readers: real Decidim and Polis exports checked against the csv module; generic CSV, XLSX
and JSON with a column mapping; Cap Collectif-style files; errors with line and column."""

from __future__ import annotations

import json

import pytest
from analysis_paths import DECIDIM, POLIS, raw_rows

from parlons.core.analysis.model import ContributionReadError
from parlons.core.analysis.readers import ColumnMapping, read_contributions


def test_decidim_proposals_match_the_raw_export():
    path = DECIDIM / "propositions-libres.csv"
    raw = raw_rows(path)
    result = read_contributions(path)
    assert result.format == "decidim-proposals"
    assert len(result.contributions) == len([r for r in raw if r["body"].strip()]) == 196
    by_id = {c.id: c for c in result.contributions}
    for row in raw:
        contribution = by_id[row["id"]]
        assert contribution.question == row["category/name/fr"]
        assert contribution.votes == int(row["votes"])
        assert contribution.date.startswith(row["created_at"][:10])
        assert contribution.channel == "online"


def test_decidim_comments_keep_alignment_and_drop_author_names():
    path = DECIDIM / "commentaires_debats.csv"
    raw = raw_rows(path)
    result = read_contributions(path)
    assert result.format == "decidim-comments"
    assert len(result.contributions) == len([r for r in raw if r["body"].strip()])
    names = {r["author/name"] for r in raw if len(r["author/name"]) >= 4}
    alignment = {"1": "for", "-1": "against", "0": "none"}
    by_id = {c.id: c for c in result.contributions}
    for row in raw:
        contribution = by_id[row["id"]]
        assert contribution.extra["alignment"] == alignment[row["alignment"]]
        fields = [contribution.author, contribution.question, *contribution.extra.values(),
                  *contribution.extra.keys()]
        assert not names.intersection(fields)
        assert contribution.author != row["author/id"]  # pseudonymised
    # the same author id gives the same pseudonym
    pseudonyms = {}
    for row in raw:
        pseudonyms.setdefault(row["author/id"], set()).add(by_id[row["id"]].author)
    assert all(len(p) == 1 for p in pseudonyms.values())


def test_polis_comments():
    path = POLIS / "brexit-consensus" / "comments.csv"
    raw = raw_rows(path, ",")
    result = read_contributions(path)
    assert result.format == "polis"
    assert sorted(c.id for c in result.contributions) == sorted(r["comment-id"] for r in raw)
    first = next(c for c in result.contributions if c.id == raw[0]["comment-id"])
    assert first.votes == int(raw[0]["agrees"])
    assert first.extra["disagrees"] == raw[0]["disagrees"]


def test_generic_csv_with_mapping(tmp_path):
    path = tmp_path / "avis.csv"
    path.write_text("ref;avis;quartier;canal;soutiens;nom\n"
                    "a1;Plus de bancs au parc, écrivez-moi à marie@exemple.fr;Nord;papier;3;Marie\n"
                    "a2;;Sud;atelier;;Paul\n"
                    "a3;Un marché le dimanche;Sud;atelier;0;Jeanne\n", encoding="utf-8")
    result = read_contributions(path, mapping=ColumnMapping(text="avis", id="ref"))
    assert [c.id for c in result.contributions] == ["a1", "a3"]
    assert result.skipped_empty == 1
    first = result.contributions[0]
    assert first.text == "Plus de bancs au parc, écrivez-moi à [EMAIL]"
    assert (first.neighbourhood, first.channel, first.votes) == ("Nord", "papier", 3)
    assert "nom" not in first.extra and "Marie" not in json.dumps(first.extra)


def test_xlsx_and_json(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "texte", "date"])
    sheet.append([1, "Créer une maison de santé", "2024-03-01"])
    sheet.append([2, "Rénover l'école", None])
    book.save(tmp_path / "avis.xlsx")
    result = read_contributions(tmp_path / "avis.xlsx")
    assert [(c.id, c.text) for c in result.contributions] == [
        ("1", "Créer une maison de santé"), ("2", "Rénover l'école")]
    assert result.contributions[0].date == "2024-03-01T00:00:00"
    (tmp_path / "avis.json").write_text(json.dumps({"contributions": [
        {"id": "x", "body": "Un texte", "meta": {"quartier": "Est"}}]}), encoding="utf-8")
    result = read_contributions(tmp_path / "avis.json")
    assert result.contributions[0].extra == {"meta/quartier": "Est"}


def test_capcollectif_one_contribution_per_answer(tmp_path):
    path = tmp_path / "DEMOCRATIE.csv"
    path.write_text(
        "id,reference,title,createdAt,publishedAt,authorId,authorType,authorZipCode,trashed,"
        "QUXVlc3Rpb246MTY5 - Que faudrait-il faire ?,QUXVlc3Rpb246MTcw - Autre chose ?\n"
        "UHJvcG9zYWw6MQ==,1,Titre,2019-01-22 10:00:00,2019-01-22 10:00:00,VXNlcjox,Citoyen,"
        "54000,false,Le vote blanc,\n"
        "UHJvcG9zYWw6Mg==,2,T2,2019-01-23 10:00:00,2019-01-23 10:00:00,VXNlcjoy,Citoyen,"
        "59000,true,Supprimé,Supprimé\n", encoding="utf-8")
    result = read_contributions(path)
    assert result.format == "capcollectif"
    assert len(result.contributions) == 1
    only = result.contributions[0]
    assert only.id == "UHJvcG9zYWw6MQ==:QUXVlc3Rpb246MTY5"
    assert only.question == "Que faudrait-il faire ?"
    assert only.neighbourhood == "54000"


@pytest.mark.parametrize(("content", "expected"), [
    ("id;texte\n1;a;b\n", "line 2: 3 fields, the header has 2"),
    ("id;texte\n1;bonjour\n1;salut\n", "line 3, column 'id': duplicate identifier '1'"),
    ("id;texte;votes\n1;bonjour;beaucoup\n", "line 2, column 'votes': not a whole number"),
    ("id;nom\n1;x\n", "line 1: no text column found"),
    ("id;texte;date\n1;x;hier\n", "line 2, column 'date': not a date"),
    ("id;texte\n1;\n", "no contribution with a text"),
])
def test_bad_csv_files_are_refused_whole(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContributionReadError) as error:
        read_contributions(path)
    assert expected in str(error.value)


def test_bad_json_and_missing_mapped_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"id": 1, "text": "a"},\n {"id": 2 "text": "b"}]', encoding="utf-8")
    with pytest.raises(ContributionReadError, match="line 2: invalid JSON"):
        read_contributions(path)
    path = tmp_path / "ok.csv"
    path.write_text("id;texte\n1;a\n", encoding="utf-8")
    with pytest.raises(ContributionReadError, match="column 'body': no such column"):
        read_contributions(path, mapping=ColumnMapping(text="body"))
    with pytest.raises(ContributionReadError, match="required column is missing"):
        read_contributions(path, format_hint="polis")
