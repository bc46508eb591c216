"""``parlons qda`` command line."""

from __future__ import annotations

import csv
import io
import json

from lxml import etree
from qda_paths import CORPUS, PROJECT, SAMPLES, SCHEMAS

from parlons.cli import main


def test_validate(capsys):
    assert main(["qda", "validate", str(PROJECT)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["qda", "validate", str(SAMPLES / "portableqda-atlasti9-export.qdc")]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "repair: namespace" in out


def test_import_transcripts_codebook_and_cases(tmp_path, capsys):
    out = tmp_path / "p.qdpx"
    files = [str(CORPUS / "transcriptions" / f"E0{i}.txt") for i in (1, 2, 3, 4, 6)]
    files += [
        str(CORPUS / "transcriptions" / "E05.docx"),
        str(CORPUS / "codebook-non-participation.qdc"),
    ]
    status = main(
        [
            "qda",
            "import",
            *files,
            "--cases",
            str(CORPUS / "cas.csv"),
            "--case-name",
            "pseudonyme",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    assert "6 sources, 6 cases, 18 codes" in capsys.readouterr().out
    assert main(["qda", "validate", str(out)]) == 0
    capsys.readouterr()
    assert main(["qda", "query", str(out), "frequencies", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 15 and all(r["passages"] == 0 for r in rows)


def test_query_matrix_csv_and_output(tmp_path, capsys):
    target = tmp_path / "m.xlsx"
    assert (
        main(
            [
                "qda",
                "query",
                str(PROJECT),
                "matrix",
                "--coder",
                "ENQ1",
                "--format",
                "csv",
                "--output",
                str(target),
            ]
        )
        == 0
    )
    got = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    with (CORPUS / "attendus" / "matrice_code_x_cas.csv").open(encoding="utf-8") as handle:
        expected = list(csv.reader(handle))
    assert got == expected
    assert target.stat().st_size > 0


def test_query_agreement_cooccurrence_words_table(capsys):
    assert (
        main(
            [
                "qda",
                "query",
                str(PROJECT),
                "agreement",
                "--coders",
                "ENQ1",
                "ENQ2",
                "--code",
                "Freins/Horaires et disponibilité",
                "--format",
                "json",
            ]
        )
        == 0
    )
    (row,) = json.loads(capsys.readouterr().out)
    assert round(row["kappa"], 4) == 0.7734
    assert main(["qda", "query", str(PROJECT), "cooccurrence", "--coder", "ENQ1"]) == 0
    assert "Freins/Défiance institutionnelle" in capsys.readouterr().out
    assert main(["qda", "query", str(PROJECT), "words", "--top", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["word", "count", "documents"]


def test_quotes_pseudonymise_restore_codebook(tmp_path, capsys, monkeypatch):
    quotes = tmp_path / "q.xlsx"
    assert (
        main(
            [
                "qda",
                "quotes",
                str(PROJECT),
                "--code",
                "Freins",
                "--attribute",
                "Statut=non-participant",
                "--coder",
                "ENQ1",
                "--out",
                str(quotes),
            ]
        )
        == 0
    )
    assert "16 passages" in capsys.readouterr().out
    names = tmp_path / "names.csv"
    names.write_text("original,replacement\nNadia,Inès\n", encoding="utf-8")
    monkeypatch.setenv("QDA_PASS", "secret")
    pseudo, key = tmp_path / "pseudo.qdpx", tmp_path / "key.bin"
    assert (
        main(
            [
                "qda",
                "pseudonymise",
                str(PROJECT),
                "--list",
                str(names),
                "--out",
                str(pseudo),
                "--key",
                str(key),
                "--passphrase-env",
                "QDA_PASS",
            ]
        )
        == 0
    )
    back = tmp_path / "back.qdpx"
    assert (
        main(
            [
                "qda",
                "restore",
                str(pseudo),
                "--key",
                str(key),
                "--out",
                str(back),
                "--passphrase-env",
                "QDA_PASS",
            ]
        )
        == 0
    )
    qdc = tmp_path / "book.qdc"
    assert main(["qda", "codebook", str(back), "--out", str(qdc)]) == 0
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Codebook.xsd")))
    assert schema.validate(etree.parse(str(qdc)))


def test_bad_input_is_one_line_error(tmp_path, capsys):
    assert main(["qda", "query", str(tmp_path / "missing.qdpx"), "matrix"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no such file") and "Traceback" not in err
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"garbage")
    assert main(["qda", "query", str(bad), "matrix"]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["qda", "query", str(PROJECT), "matrix", "--columns", "Nope"]) == 2
    assert "no attribute 'Nope'" in capsys.readouterr().err
    assert main(["qda", "import", str(CORPUS / "cas.csv"), "--out", str(tmp_path / "x.qdpx")]) == 2
