"""Every expected result of corpus-fictif-fr/attendus/ reproduced from the coded project."""

from __future__ import annotations

import csv
import json

import pytest
from qda_paths import CORPUS, EXPECTED, corpus_project

from parlons.core.qda import agreement, model, queries


@pytest.fixture(scope="module")
def project():
    return corpus_project()


def _rows(name: str) -> list[dict[str, str]]:
    with (EXPECTED / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_expected_files_all_present():
    names = sorted(p.name for p in EXPECTED.iterdir())
    assert names == [
        "accord_intercodeurs_E01.csv",
        "cooccurrences.csv",
        "frequences_codes.csv",
        "matrice_code_x_cas.csv",
        "offsets_emoji_E03.json",
        "segments_codes.csv",
    ]


def test_code_frequencies(project):
    expected = _rows("frequences_codes.csv")
    got = {r["code"]: r for r in queries.frequencies(project, coder="ENQ1", by="Statut")}
    assert len(expected) == 15
    assert [r["code"] for r in expected] == list(got)  # codebook order, codable codes only
    for row in expected:
        mine = got[row["code"]]
        assert mine["passages"] == int(row["segments"]), row["code"]
        assert mine["documents"] == int(row["documents"]), row["code"]
        assert mine["passages[non-participant]"] == int(row["segments_non_participants"])
        assert mine["passages[participant]"] == int(row["segments_participants"])
        assert mine["characters"] == int(row["caracteres_codes"]), row["code"]
        # one interview per case here, so cases == documents
        assert mine["cases"] == int(row["documents"])


def test_code_by_case_matrix(project):
    expected = _rows("matrice_code_x_cas.csv")
    m = queries.matrix(project, coder="ENQ1")
    assert m.columns == ["E01", "E02", "E03", "E04", "E05", "E06"]
    assert m.rows == [r["code"] for r in expected]
    for i, row in enumerate(expected):
        assert m.passages[i] == [int(row[c]) for c in m.columns], row["code"]
        assert m.cases[i] == [min(1, int(row[c])) for c in m.columns]
        assert [len(q) for q in m.quotes[i]] == m.passages[i]


def test_matrix_cells_open_their_quotes(project):
    m = queries.matrix(project, coder="ENQ1")
    quotes = m.cell_passages(project, "Leviers/Médiation associative", "E05")
    assert [q.start for q in quotes] == [796, 952]
    assert quotes[1].text.startswith("Et un interprète")


def test_cooccurrences(project):
    expected = {
        (r["code_a"], r["code_b"]): int(r["cooccurrences"]) for r in _rows("cooccurrences.csv")
    }
    got = {(a, b): n for a, b, n in queries.cooccurrence(project, coder="ENQ1")}
    assert got == expected


def test_intercoder_agreement_e01(project):
    for row in _rows("accord_intercodeurs_E01.csv"):
        (res,) = agreement.agreement(
            project, "ENQ1", "ENQ2", codes=[row["code"]], documents=[row["document"]]
        )
        assert res.chars_a == int(row["car_codeur1"])
        assert res.chars_b == int(row["car_codeur2"])
        assert res.chars_both == int(row["car_communs"])
        assert res.observed == pytest.approx(float(row["accord_observe"]), abs=5e-5)
        assert res.kappa == pytest.approx(float(row["kappa_cohen_caracteres"]), abs=5e-5)


def test_coded_segments_table(project):
    expected = _rows("segments_codes.csv")
    assert len(expected) == 47
    got = {}
    for coder in ("ENQ1", "ENQ2"):
        for p in queries.passages(project, coder=coder):
            got[p.selection] = p
    assert set(got) == {r["selection_guid"] for r in expected}
    for row in expected:
        p = got[row["selection_guid"]]
        assert p.document.split(" ")[0] == row["document"]
        assert (p.start, p.end) == (int(row["start"]), int(row["end"]))
        assert p.coder == row["codeur"]
        assert " | ".join(p.codes) == row["codes"]
        assert p.text == row["texte"]


def test_emoji_offsets_e03(project):
    expected = json.loads((EXPECTED / "offsets_emoji_E03.json").read_text(encoding="utf-8"))
    source = next(s for s in project.sources.values() if s.name.startswith("E03"))
    start, end = expected["codepoints"]
    assert source.text[start:end] == expected["texte"]
    assert [model.to_utf16(source.text, start), model.to_utf16(source.text, end)] == (
        expected["utf16_code_units"]
    )
    assert [model.to_utf8(source.text, start), model.to_utf8(source.text, end)] == (
        expected["utf8_bytes"]
    )
    # independent oracle: the encoders themselves
    assert len(source.text[:end].encode("utf-16-le")) // 2 == expected["utf16_code_units"][1]
    assert model.from_utf16(source.text, expected["utf16_code_units"][1]) == end
    assert model.from_utf8(source.text, expected["utf8_bytes"][0]) == start


def test_project_texts_are_the_transcripts(project):
    """The archive's plain texts are the transcript files, so the offsets hold on both."""
    for source in project.sources.values():
        ident = source.name.split(" ")[0]
        text = (CORPUS / "transcriptions" / f"{ident}.txt").read_text(encoding="utf-8")
        assert source.text == text
