"""Imports into a research project: the fictional corpus through .qdpx, transcripts and cases;
the queries of the core on the database reproduce the corpus' expected results."""

from __future__ import annotations

import csv

import pytest

from parlons.core.qda import queries
from parlons.core.qda.refi import archive_files, read_qdpx, schema_errors

pytestmark = pytest.mark.django_db


def _expected(corpus, name):
    with open(corpus / "attendus" / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_qdpx_import_keeps_everything(imported_project, corpus):
    from parlons.platform.research.models import (
        Case,
        Code,
        CodedSelection,
        Coder,
        Memo,
        Source,
        Variable,
    )

    project = imported_project
    assert Source.objects.filter(project=project).count() == 6
    assert Code.objects.filter(project=project).count() == 18
    assert Code.objects.filter(project=project, is_codable=False).count() == 3
    assert Variable.objects.filter(project=project).count() == 6
    assert Case.objects.filter(project=project).count() == 6
    assert CodedSelection.objects.filter(project=project).count() == 57
    assert (CodedSelection.objects.filter(project=project)
            .values("selection_guid").distinct().count()) == 47
    assert sorted(Coder.objects.filter(project=project).values_list("name", flat=True)) == [
        "ENQ1", "ENQ2"]
    assert Memo.objects.filter(project=project).count() == 9
    e01 = Source.objects.get(project=project, name__startswith="E01")
    assert e01.text == (corpus / "transcriptions" / "E01.txt").read_text(encoding="utf-8")


def test_round_trip_through_the_database_matches_the_original(imported_project, corpus):
    from parlons.platform.research.convert import to_core

    original, _ = read_qdpx((corpus / "projet" /
                             "non-participation-place-du-marche.qdpx").read_bytes())
    core = to_core(imported_project)
    assert {c.guid: (c.name, c.parent, c.is_codable) for c in core.codes.values()} == {
        c.guid: (c.name, c.parent, c.is_codable) for c in original.codes.values()}
    assert {s.guid: s.text for s in core.sources.values()} == {
        s.guid: s.text for s in original.sources.values()}
    def spans(project):
        return sorted((s.source, s.start, s.end, c.code, project.user_label(s.coder(c)))
                      for s in project.selections.values() for c in s.codings)
    assert spans(core) == spans(original)
    for case in original.cases.values():
        assert core.cases[case.guid].values == case.values
        assert core.cases[case.guid].sources == case.sources
    assert core.sets == original.sets and core.links == original.links
    assert {n.guid: (n.text, n.targets) for n in core.notes.values()} == {
        n.guid: (n.text, n.targets) for n in original.notes.values()}


def test_queries_reproduce_the_expected_results(imported_project, corpus):
    from parlons.platform.research.convert import to_core

    core = to_core(imported_project)
    freq = {row["code"]: row for row in queries.frequencies(core, coder="ENQ1")}
    for row in _expected(corpus, "frequences_codes.csv"):
        got = freq[row["code"]]
        assert (got["passages"], got["documents"], got["characters"]) == (
            int(row["segments"]), int(row["documents"]), int(row["caracteres_codes"]))
    matrix = queries.matrix(core, coder="ENQ1")
    for row in _expected(corpus, "matrice_code_x_cas.csv"):
        i = matrix.rows.index(row["code"])
        for case in ("E01", "E02", "E03", "E04", "E05", "E06"):
            assert matrix.passages[i][matrix.columns.index(case)] == int(row[case]), (row, case)


def test_transcripts_and_cases_csv(research_project, researcher, corpus):
    from parlons.platform.research import services
    from parlons.platform.research.models import Case, CaseValue, Source

    names = ["E01.txt", "E02.srt", "E03.vtt", "E04.txt", "E05.docx", "E06.txt"]
    files = [(n, (corpus / "transcriptions" / n).read_bytes()) for n in names]
    services.import_transcripts(actor=researcher, project=research_project, files=files)
    sources = {s.name: s for s in Source.objects.filter(project=research_project)}
    assert set(sources) == {"E01", "E02", "E03", "E04", "E05", "E06"}
    assert sources["E01"].text == (corpus / "transcriptions" / "E01.txt").read_text("utf-8")
    assert any(turn[0] == "Nadia" for turn in sources["E01"].turns)
    assert "👍" in sources["E03"].text
    services.import_cases_csv(actor=researcher, project=research_project,
                              data=(corpus / "cas.csv").read_bytes(), name_column="pseudonyme")
    e01 = Case.objects.get(project=research_project, name="E01 – Nadia")
    assert list(e01.sources.values_list("name", flat=True)) == ["E01"]
    values = {v.variable.name: v.value for v in CaseValue.objects.filter(case=e01)}
    assert values["age"] == "34" and values["a_participe"] == "false"
    assert values["quartier"] == "Les Tilleuls"


def test_export_is_valid_and_re_imports(imported_project):
    from parlons.core.qda.refi import write_qdpx
    from parlons.platform.research.convert import to_core

    data, _messages = write_qdpx(to_core(imported_project))
    assert schema_errors(archive_files(data)["project.qde"], "project") == []
    again, _ = read_qdpx(data)
    assert len(again.selections) == 47 and len(again.sources) == 6


def test_bad_files_are_refused_with_a_message(research_project, researcher):
    from django.core.exceptions import ValidationError

    from parlons.platform.research import services

    with pytest.raises(ValidationError):
        services.import_qdpx(actor=researcher, project=research_project, data=b"PK not a zip")
    with pytest.raises(ValidationError):
        services.import_transcripts(actor=researcher, project=research_project,
                                    files=[("notes.pdf", b"%PDF")])
