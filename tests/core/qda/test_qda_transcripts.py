"""Transcript import (.txt .md .docx .odt .srt .vtt), speaker turns and cases from a CSV."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from qda_paths import CORPUS, SAMPLES

from parlons.core.qda import refi, transcripts
from parlons.core.qda.model import Project

TRANSCRIPTS = CORPUS / "transcriptions"


def _turn_texts(source):
    return [(t.speaker, source.text[t.start : t.end], t.time) for t in source.turns]


def test_plain_speaker_turns_e01():
    source = transcripts.load_transcript(TRANSCRIPTS / "E01.txt")
    turns = _turn_texts(source)
    assert len(turns) == 10  # the 3 header lines (one with "Date :") are not turns
    assert [s for s, _, _ in turns[:2]] == ["Enquêtrice", "Nadia"]
    assert turns[1][1].startswith("Oui, mais après coup.")
    assert turns[1][1].endswith("trop tard pour m'organiser.")
    assert all(t is None for _, _, t in turns)


def test_bracket_timestamps_e02():
    source = transcripts.load_transcript(TRANSCRIPTS / "E02.txt")
    turns = _turn_texts(source)
    assert turns[0] == ("Enquêteur", "Vous avez participé aux trois ateliers, c'est bien ça ?", 5.0)
    assert turns[1][0] == "Gérard" and turns[1][2] == 9.0


def test_trailing_timestamps_e04():
    source = transcripts.load_transcript(TRANSCRIPTS / "E04.txt")
    speaker, text, time = _turn_texts(source)[1]
    assert speaker == "Marie-Claire"
    assert (
        text
        == "J'ai reçu le journal municipal, oui. Mais je l'ai lu en diagonale, comme d'habitude."
    )
    assert time == pytest.approx(11.8)


def test_srt_matches_text_transcript():
    srt = transcripts.load_transcript(TRANSCRIPTS / "E02.srt")
    txt = transcripts.load_transcript(TRANSCRIPTS / "E02.txt")
    assert [(s, t) for s, t, _ in _turn_texts(srt)] == [(s, t) for s, t, _ in _turn_texts(txt)]
    assert [t for _, _, t in _turn_texts(srt)][:4] == [5.0, 9.0, 21.0, 25.0]


def test_vtt_voice_tags():
    vtt = transcripts.load_transcript(TRANSCRIPTS / "E03.vtt")
    txt = transcripts.load_transcript(TRANSCRIPTS / "E03.txt")
    assert [(s, t) for s, t, _ in _turn_texts(vtt)] == [(s, t) for s, t, _ in _turn_texts(txt)]
    assert "<v" not in vtt.text and "👍" in vtt.text
    assert vtt.turns[1].time == pytest.approx(9.067)
    taguette = transcripts.load_transcript(SAMPLES / "taguette-1.5.2" / "input-entretien01.vtt")
    assert taguette.turns and "<v" not in taguette.text


def test_docx_equals_text_transcript():
    docx_source = transcripts.load_transcript(TRANSCRIPTS / "E05.docx")
    assert docx_source.text == (TRANSCRIPTS / "E05.txt").read_text(encoding="utf-8")
    assert docx_source.rich_ext == ".docx"
    assert len(docx_source.turns) == 10


def test_odt_paragraphs_spaces_and_breaks(tmp_path):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        "<text:h>Entretien test</text:h>"
        '<text:p>Enquêtrice : Bonjour<text:s text:c="2"/>!</text:p>'
        "<text:p>Léa : <text:span>Je suis</text:span> là.<text:line-break/>Suite.</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    path = tmp_path / "entretien.odt"
    path.write_bytes(buffer.getvalue())
    source = transcripts.load_transcript(path)
    assert source.text == "Entretien test\nEnquêtrice : Bonjour  !\nLéa : Je suis là.\nSuite."
    assert [(t.speaker, source.text[t.start : t.end]) for t in source.turns] == [
        ("Enquêtrice", "Bonjour  !"),
        ("Léa", "Je suis là.\nSuite."),
    ]


def test_markdown_and_crlf(tmp_path):
    path = tmp_path / "e.md"
    path.write_bytes("\ufeff# Entretien\r\nA : un\r\nB : deux\r\n".encode())
    source = transcripts.load_transcript(path)
    assert source.text == "# Entretien\nA : un\nB : deux\n"
    assert [t.speaker for t in source.turns] == ["A", "B"]


def test_qualcoder_transcript_reads():
    source = transcripts.load_transcript(SAMPLES / "qualcoder-examples" / "transcript.txt")
    assert len(source.text) > 100


def test_unsupported_format():
    with pytest.raises(ValueError, match="unsupported"):
        transcripts.extract_text(b"x", ".pdf")


def test_cases_from_csv_typed_and_linked():
    project = Project()
    for ident in ("E01", "E02", "E03", "E04", "E06"):
        source = transcripts.load_transcript(TRANSCRIPTS / f"{ident}.txt")
        project.sources[source.guid] = source
    source = transcripts.load_transcript(TRANSCRIPTS / "E05.docx")
    project.sources[source.guid] = source
    cases = transcripts.read_cases_csv(
        project, (CORPUS / "cas.csv").read_text(encoding="utf-8"), name_column="pseudonyme"
    )
    assert [c.name for c in cases][:2] == ["E01 – Nadia", "E02 – Gérard"]
    types = {v.name: v.type for v in project.variables.values()}
    assert types["age"] == "Integer" and types["a_participe"] == "Boolean"
    assert types["date_entretien"] == "Date" and types["quartier"] == "Text"
    assert "fichier" not in types
    for case in cases:
        assert len(case.sources) == 1
        assert project.sources[case.sources[0]].name == case.name.split(" ")[0]
    e04 = cases[3]
    assert e04.values[project.variable_by_name("age").guid] == 52
    assert e04.values[project.variable_by_name("a_participe").guid] is False
    assert e04.values[project.variable_by_name("date_entretien").guid] == dt.date(2025, 3, 20)
    data, _ = refi.write_qdpx(project)
    again, messages = refi.read_qdpx(data)
    assert messages == [] and again == project


def test_qualcoder_cases_csv():
    project = Project()
    cases = transcripts.read_cases_csv(
        project, (SAMPLES / "qualcoder-examples" / "cases123.csv").read_text(encoding="utf-8")
    )
    assert cases and all(c.values for c in cases)
    refi.write_qdpx(project)  # typed values must be schema-valid
