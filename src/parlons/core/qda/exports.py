"""Exports: quotes with references (DOCX, XLSX) and matrices (XLSX, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from parlons.core.qda.queries import Matrix, Passage

QUOTE_COLUMNS = ("document", "cases", "start", "end", "coder", "codes", "text")


def _row(p: Passage) -> list[object]:
    return [p.document, " | ".join(p.cases), p.start, p.end, p.coder, " | ".join(p.codes), p.text]


def quotes_docx(passages: Sequence[Passage], title: str = "Extraits codés") -> bytes:
    """A Word document: one quotation per passage followed by its reference and codes."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for p in passages:
        quote = document.add_paragraph(f"« {p.text} »")
        quote.paragraph_format.left_indent = docx.shared.Cm(1)
        ref = f"{p.reference}"
        if p.cases:
            ref += f" — {', '.join(p.cases)}"
        if p.coder:
            ref += f" — {p.coder}"
        meta = document.add_paragraph()
        meta.add_run(ref).italic = True
        meta.add_run(f"\n{' | '.join(p.codes)}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def quotes_xlsx(passages: Sequence[Passage]) -> bytes:
    """A workbook with one row per passage (document, cases, offsets, coder, codes, text)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Extraits"
    sheet.append(list(QUOTE_COLUMNS))
    for p in passages:
        sheet.append(_row(p))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quotes_csv(passages: Sequence[Passage]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUOTE_COLUMNS)
    for p in passages:
        writer.writerow(_row(p))
    return out.getvalue()


def matrix_csv(matrix: Matrix, measure: str = "passages") -> str:
    """The matrix as CSV: ``code`` then one column per case or attribute value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", *matrix.columns])
    data = matrix.passages if measure == "passages" else matrix.cases
    for label, row in zip(matrix.rows, data, strict=True):
        writer.writerow([label, *row])
    return out.getvalue()


def matrix_xlsx(matrix: Matrix, passages: Sequence[Passage] | None = None) -> bytes:
    """Workbook with the passage counts, the case counts and, if given, the cells' quotes."""
    from openpyxl import Workbook

    workbook = Workbook()
    for index, measure in enumerate(("passages", "cases")):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = "Passages" if measure == "passages" else "Cas"
        sheet.append(["code", *matrix.columns])
        data = matrix.passages if measure == "passages" else matrix.cases
        for label, row in zip(matrix.rows, data, strict=True):
            sheet.append([label, *row])
    if passages is not None:
        by_guid = {p.selection: p for p in passages}
        sheet = workbook.create_sheet("Extraits")
        sheet.append(["code", "column", *QUOTE_COLUMNS])
        for r, label in enumerate(matrix.rows):
            for c, column in enumerate(matrix.columns):
                for guid in matrix.quotes[r][c]:
                    if guid in by_guid:
                        sheet.append([label, column, *_row(by_guid[guid])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
