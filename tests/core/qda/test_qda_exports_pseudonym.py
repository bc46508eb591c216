"""Quote and matrix exports; reversible pseudonymisation."""

from __future__ import annotations

import csv
import io

import docx
import pytest
from openpyxl import load_workbook
from qda_paths import corpus_project

from parlons.core.qda import exports, pseudonym, queries, refi


@pytest.fixture(scope="module")
def project():
    return corpus_project()


def test_quotes_docx_and_xlsx(project):
    found = queries.passages(project, codes=["Leviers/Médiation associative"], coder="ENQ1")
    document = docx.Document(io.BytesIO(exports.quotes_docx(found)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert (
        "« Et un interprète pour les anciens qui parlent mal français, ce serait du respect. »"
        in text
    )
    assert "E05 – Mamadou [952–1033]" in text
    sheet = load_workbook(io.BytesIO(exports.quotes_xlsx(found))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == exports.QUOTE_COLUMNS
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        ("E05 – Mamadou", 796, 908),
        ("E05 – Mamadou", 952, 1033),
    ]


def test_matrix_csv_and_xlsx(project):
    m = queries.matrix(project, coder="ENQ1")
    rows = list(csv.reader(io.StringIO(exports.matrix_csv(m))))
    assert rows[0] == ["code", "E01", "E02", "E03", "E04", "E05", "E06"]
    assert rows[1] == ["Freins/Information tardive ou absente", "1", "1", "1", "1", "0", "1"]
    book = load_workbook(
        io.BytesIO(exports.matrix_xlsx(m, queries.passages(project, coder="ENQ1")))
    )
    assert book.sheetnames == ["Passages", "Cas", "Extraits"]
    quotes = list(book["Extraits"].iter_rows(values_only=True))
    assert len(quotes) - 1 == sum(sum(r) for r in m.passages)


NAMES = {
    "Nadia": "Inès",
    "Gérard": "Paul",
    "Yanis": "Karim",
    "Marie-Claire": "Anne",
    "Mamadou": "Moussa",
    "Sophie": "Julie",
    "Les Tilleuls": "Les Acacias",
    "Tilleuls": "Acacias",
    "Saint-Aubin-sur-Loire": "Ville-sur-Fleuve",
}


def test_pseudonymisation_consistent_and_offsets_remapped(project):
    pseudo, key = pseudonym.pseudonymise(project, NAMES)
    for text in (s.text for s in pseudo.sources.values()):
        assert "Nadia" not in text and "Tilleuls" not in text and "Marie-Claire" not in text
    e01 = next(s for s in pseudo.sources.values() if s.name.startswith("E01"))
    assert e01.name == "E01 – Inès" and "\nInès : Oui, mais après coup." in e01.text
    assert all("Nadia" not in (n.text or "") for n in pseudo.notes.values())
    assert all("Nadia" not in (c.name or "") for c in pseudo.cases.values())
    # every selection covers the pseudonymised version of its original text
    for guid, original in project.selections.items():
        before = project.selection_text(original)
        after = pseudo.selection_text(pseudo.selections[guid])
        expected = before
        for name in sorted(NAMES, key=len, reverse=True):
            expected = expected.replace(name, "\0" + name + "\0")
        for name, new in NAMES.items():
            expected = expected.replace("\0" + name + "\0", new)
        assert after == expected
    # the same queries give the same counts
    assert (
        queries.matrix(pseudo, coder="ENQ1").passages
        == queries.matrix(project, coder="ENQ1").passages
    )
    data, _ = refi.write_qdpx(pseudo)  # still schema-valid
    assert b"Nadia" not in data


def test_pseudonymisation_reversible_only_with_key(project):
    pseudo, key = pseudonym.pseudonymise(project, NAMES)
    restored = pseudonym.restore(pseudo, key)
    assert all(s.rich_bytes is None for s in restored.sources.values())  # dropped, documented
    for guid, source in restored.sources.items():
        source.rich_ext = project.sources[guid].rich_ext
        source.rich_bytes = project.sources[guid].rich_bytes
    assert restored == project
    blob = pseudonym.lock_key(key, "correct horse")
    assert b"Nadia" not in blob
    assert pseudonym.unlock_key(blob, "correct horse") == key
    with pytest.raises(ValueError, match="wrong passphrase"):
        pseudonym.unlock_key(blob, "wrong")


def test_boundary_inside_a_name_snaps_to_the_pseudonym():
    from parlons.core.qda.model import Project, Source

    p = Project()
    p.sources["S"] = Source("S", "doc", "Bonjour Nadia, ça va ?")
    code = p.add_code("Salut")
    sel = p.code_text("S", 10, 22, code.guid)  # starts inside "Nadia"
    p.description = "Entretien avec Nadia"
    pseudo, key = pseudonym.pseudonymise(p, {"Nadia": "Jo"})
    assert pseudo.sources["S"].text == "Bonjour Jo, ça va ?"
    assert pseudo.selection_text(pseudo.selections[sel.guid]) == "Jo, ça va ?"
    assert pseudo.description == "Entretien avec Jo"
    assert pseudonym.restore(pseudo, key) == p
