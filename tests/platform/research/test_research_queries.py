"""The query pages on the imported fictional corpus: expected numbers of `attendus/`."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(researcher):
    client = Client()
    client.force_login(researcher)
    return client


def _coders(project):
    from parlons.platform.research.models import Coder

    return dict(Coder.objects.filter(project=project).values_list("name", "guid"))


def _cells(page: str, row: str) -> list[str]:
    match = re.search(r'<th scope="row">(?:<a [^>]*>)?' + re.escape(html.escape(row)) + r"(?:</a>)?</th>(.*?)</tr>",
                      page, re.S)
    assert match, row
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>",
                                                                match.group(1), re.S)]


def test_matrix_page_matches_the_expected_matrix(client, imported_project, corpus):
    enq1 = _coders(imported_project)["ENQ1"]
    page = client.get(f"/recherche-qualitative/{imported_project.pk}/requetes/?coder={enq1}"
                      ).content.decode()
    with open(corpus / "attendus" / "matrice_code_x_cas.csv", encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    matrix = page.split('<table class="matrix">')[1].split("</table>")[0]
    for row in expected:
        cells = _cells(matrix, row["code"])
        passages = [int(c.split(" ")[0]) for c in cells]
        assert passages == [int(row[f"E0{i}"]) for i in range(1, 7)], row["code"]


def test_frequencies_split_by_status(client, imported_project, corpus):
    enq1 = _coders(imported_project)["ENQ1"]
    page = client.get(f"/recherche-qualitative/{imported_project.pk}/requetes/"
                      f"?coder={enq1}&by=Statut").content.decode()
    table = page.split('id="frequencies"')[1].split("</table>")[0]
    with open(corpus / "attendus" / "frequences_codes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cells = [int(c) for c in _cells(table, row["code"])]
            # passages, documents, cases, characters, then non-participant, participant
            assert cells[0] == int(row["segments"]) and cells[1] == int(row["documents"])
            assert cells[3] == int(row["caracteres_codes"])
            assert cells[4:] == [int(row["segments_non_participants"]),
                                 int(row["segments_participants"])]


def test_agreement_on_e01(client, imported_project, corpus):
    coders = _coders(imported_project)
    page = client.get(f"/recherche-qualitative/{imported_project.pk}/requetes/"
                      f"?a={coders['ENQ1']}&b={coders['ENQ2']}").content.decode()
    table = page.split('id="agreement"')[1]
    with open(corpus / "attendus" / "accord_intercodeurs_E01.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cells = _cells(table, row["code"])
            assert cells[1:4] == [row["car_codeur1"], row["car_codeur2"], row["car_communs"]]
            assert float(cells[4].replace(",", ".")) == pytest.approx(float(row["accord_observe"]), abs=1e-4)
            assert float(cells[5].replace(",", ".")) == pytest.approx(float(row["kappa_cohen_caracteres"]),
                                                    abs=1e-4)


def test_drill_down_and_quote_exports(client, imported_project):
    from openpyxl import load_workbook

    enq1 = _coders(imported_project)["ENQ1"]
    base = f"/recherche-qualitative/{imported_project.pk}/requetes/extraits/"
    query = f"?code=Leviers/Aller-vers&column=E05&columns=case&coder={enq1}"
    page = client.get(base + query).content.decode()
    assert page.count("<blockquote>") == 2  # E05 × Aller-vers: 2 passages in the expected matrix
    response = client.get(base + query + "&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and all(r[0].startswith("E05") for r in rows[1:])
    response = client.get(base + query + "&format=docx")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert client.get(base + "?code=Inconnu").status_code == 404
    assert client.get(base + "?code=Leviers/Aller-vers&column=E99").status_code == 404


def test_word_frequencies(client, imported_project):
    page = client.get(f"/recherche-qualitative/{imported_project.pk}/requetes/?words=1"
                      ).content.decode()
    table = page.split('id="words"')[1].split("</table>")[0]
    lemmas = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert len(lemmas) in range(1, 41)  # at least one word, at most the page's 40
    assert "le" not in lemmas and "Nadia" not in lemmas  # stop words and speaker labels
