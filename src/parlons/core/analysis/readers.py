"""Readers of contribution files: generic CSV/XLSX/JSON with a column mapping, Decidim
proposals and comments exports, Cap Collectif-style exports and Polis ``comments.csv``.

Bad files raise :class:`ContributionReadError` listing every problem (line, column, reason);
nothing partial is returned. Author names are never read: author identifiers become hashed
pseudonyms and name columns are dropped. Rows with an empty text are skipped and counted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from parlons.core.analysis.model import (
    Contribution,
    ContributionReadError,
    ReadIssue,
    pseudonymise,
)
from parlons.core.analysis.normalise import clean_text

FORMATS = ("csv", "xlsx", "json", "decidim-proposals", "decidim-comments", "capcollectif",
           "polis")
MAX_ISSUES = 50
# Columns that hold personal names: never read.
NAME_COLUMNS = re.compile(r"^(name|nom|prenom|prénom|pseudo|email|e-mail|courriel|mail)$|"
                          r"(author|user|user_group|auteur)[ _/]?(name|nom)|"
                          r"(first|last|full)[ _]?name|e-?mail", re.I)

TEXT_CANDIDATES = ("text", "texte", "body", "contribution", "comment", "commentaire", "avis",
                   "contenu", "content", "message", "comment-body", "proposition")
ID_CANDIDATES = ("id", "identifiant", "reference", "comment-id", "ref")


@dataclass(frozen=True)
class ColumnMapping:
    """Which input column holds which field (None: absent). ``text`` is required."""

    text: str | None = None
    id: str | None = None
    title: str | None = None
    author: str | None = None
    date: str | None = None
    channel: str | None = None
    question: str | None = None
    neighbourhood: str | None = None
    votes: str | None = None


@dataclass
class ReadResult:
    """Contributions read from a file, the detected format and non-fatal notes."""

    contributions: list[Contribution]
    format: str
    skipped_empty: int = 0
    lines: list[int] = field(default_factory=list)  # input line (or item) of each contribution


class _Rows:
    """Header and rows (with their 1-based line numbers) of a tabular input."""

    def __init__(self, header: list[str], rows: list[tuple[int, dict[str, str]]]) -> None:
        self.header = header
        self.rows = rows


def read_contributions(path: str | Path, format_hint: str | None = None,
                       mapping: ColumnMapping | None = None,
                       default_channel: str = "") -> ReadResult:
    """Read a contributions file; see the module docstring for formats and errors."""
    path = Path(path)
    name = str(path)
    if format_hint is not None and format_hint not in FORMATS:
        reason = f"unknown format {format_hint!r}; expected one of {', '.join(FORMATS)}"
        raise ContributionReadError(name, [ReadIssue(0, "", reason)])
    if not path.is_file():
        raise ContributionReadError(name, [ReadIssue(0, "", "no such file")])
    suffix = path.suffix.lower()
    if format_hint == "json" or (format_hint is None and suffix == ".json"):
        table = _json_rows(path)
        fmt = "json"
    elif format_hint == "xlsx" or (format_hint is None and suffix in (".xlsx", ".xlsm")):
        table = _xlsx_rows(path)
        fmt = "xlsx"
    else:
        table = _csv_rows(path)
        fmt = format_hint or _guess_csv_format(table.header)
    builder = _BUILDERS.get(fmt, _generic)
    issues: list[ReadIssue] = []
    result = ReadResult([], fmt)
    builder(table, mapping or ColumnMapping(), issues, result, default_channel)
    _check_ids(result, issues)
    if issues:
        raise ContributionReadError(name, issues[:MAX_ISSUES])
    if not result.contributions:
        raise ContributionReadError(name, [ReadIssue(0, "", "no contribution with a text")])
    return result


# --- file decoding ---------------------------------------------------------------------------

def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            line = data[: error.start].count(b"\n") + 1
            raise ContributionReadError(str(path), [ReadIssue(
                line, "", "not UTF-8 nor Windows-1252 text")]) from None
        return text


def _csv_rows(path: Path) -> _Rows:
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    if not first.strip():
        raise ContributionReadError(str(path), [ReadIssue(1, "", "empty header line")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    issues: list[ReadIssue] = []
    try:
        header = [h.strip() for h in next(reader)]
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for values in reader:
            if values and any(v.strip() for v in values):
                if len(values) != len(header):
                    issues.append(ReadIssue(line, "", f"{len(values)} fields, the header has "
                                                      f"{len(header)}"))
                else:
                    rows.append((line, dict(zip(header, values, strict=True))))
            line = reader.line_num + 1
    except csv.Error as error:
        issues.append(ReadIssue(reader.line_num, "", f"malformed CSV: {error}"))
    _check_header(header, issues)
    if issues:
        raise ContributionReadError(str(path), issues[:MAX_ISSUES])
    return _Rows(header, rows)


def _check_header(header: list[str], issues: list[ReadIssue]) -> None:
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            issues.append(ReadIssue(1, column, "duplicate column name"))
        seen.add(column)


def _xlsx_rows(path: Path) -> _Rows:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for bad files
        reason = f"not a readable XLSX file ({type(error).__name__})"
        raise ContributionReadError(str(path), [ReadIssue(0, "", reason)]) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(v).strip() for v in next(values)]
    except StopIteration:
        raise ContributionReadError(str(path), [ReadIssue(1, "", "empty sheet")]) from None
    issues: list[ReadIssue] = []
    _check_header(header, issues)
    rows = []
    for line, row in enumerate(values, start=2):
        cells = [_cell(v) for v in row]
        if not any(c.strip() for c in cells):
            continue
        cells += [""] * (len(header) - len(cells))
        if any(c.strip() for c in cells[len(header):]):
            issues.append(ReadIssue(line, "", "values beyond the last named column"))
            continue
        rows.append((line, dict(zip(header, cells[: len(header)], strict=True))))
    book.close()
    if issues:
        raise ContributionReadError(str(path), issues[:MAX_ISSUES])
    return _Rows(header, rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_rows(path: Path) -> _Rows:
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as error:
        raise ContributionReadError(str(path), [ReadIssue(
            error.lineno, "", f"invalid JSON: {error.msg} (column {error.colno})")]) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else data
    if not isinstance(data, list):
        raise ContributionReadError(str(path), [ReadIssue(
            0, "", "expected a list of objects (or an object holding one list)")])
    header: list[str] = []
    rows = []
    issues = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            issues.append(ReadIssue(index, "", "item is not an object"))
            continue
        flat = _flatten(item)
        for key in flat:
            if key not in header:
                header.append(key)
        rows.append((index, flat))
    if issues:
        raise ContributionReadError(str(path), issues[:MAX_ISSUES])
    return _Rows(header, rows)


def _flatten(item: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}/"))
        elif isinstance(value, list):
            flat[name] = "; ".join(_cell(v) for v in value)
        else:
            flat[name] = _cell(value)
    return flat


def _guess_csv_format(header: list[str]) -> str:
    columns = set(header)
    if {"commentable_id", "alignment", "body"} <= columns:
        return "decidim-comments"
    if {"title", "body", "votes"} <= columns and any(c.startswith("category/") for c in columns):
        return "decidim-proposals"
    if {"comment-id", "comment-body"} <= columns:
        return "polis"
    if {"createdAt", "reference"} <= columns or {"authorId", "publishedAt"} <= columns:
        return "capcollectif"
    return "csv"


# --- row → contribution builders ---------------------------------------------------------------

Builder = Callable[[_Rows, ColumnMapping, list[ReadIssue], ReadResult, str], None]


def _pick(header: list[str], wanted: str | None, candidates: Iterable[str]) -> str | None:
    if wanted:
        return wanted
    lowered = {h.lower(): h for h in header}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _generic(table: _Rows, mapping: ColumnMapping, issues: list[ReadIssue],
             result: ReadResult, channel: str) -> None:
    header = table.header
    text_col = _pick(header, mapping.text, TEXT_CANDIDATES)
    if text_col is None:
        issues.append(ReadIssue(1, "", "no text column found; name it with --text-column "
                                       f"(columns: {', '.join(header[:12])})"))
        return
    id_col = _pick(header, mapping.id, ID_CANDIDATES)
    fields = {
        "title": _pick(header, mapping.title, ("title", "titre")),
        "author": _pick(header, mapping.author, ("author", "auteur", "author_id", "authorid",
                                                 "author/id", "pseudonym", "pseudo")),
        "date": _pick(header, mapping.date, ("date", "created_at", "createdat", "timestamp")),
        "channel": _pick(header, mapping.channel, ("channel", "canal")),
        "question": _pick(header, mapping.question, ("question", "theme", "thème", "topic")),
        "neighbourhood": _pick(header, mapping.neighbourhood, ("neighbourhood", "quartier",
                                                               "district", "scope")),
        "votes": _pick(header, mapping.votes, ("votes", "supports", "soutiens", "likes")),
    }
    for column in (text_col, id_col, *fields.values()):
        if column is not None and column not in header:
            issues.append(ReadIssue(1, column, "no such column"))
    if issues:
        return
    used = {c for c in (text_col, id_col, *fields.values()) if c}
    for line, row in table.rows:
        text = clean_text(row.get(text_col, ""))
        if not text:
            result.skipped_empty += 1
            continue
        votes = _int(row, fields["votes"], line, issues)
        _add(result, line, Contribution(
            id=row[id_col].strip() if id_col else str(line),
            text=text,
            title=clean_text(row.get(fields["title"] or "", "")),
            author=pseudonymise(row.get(fields["author"] or "", "")),
            date=_date(row, fields["date"], line, issues),
            channel=row.get(fields["channel"] or "", "").strip() or channel,
            question=row.get(fields["question"] or "", "").strip(),
            neighbourhood=row.get(fields["neighbourhood"] or "", "").strip(),
            votes=votes,
            extra=_extra(row, used),
        ))


def _decidim_proposals(table: _Rows, mapping: ColumnMapping, issues: list[ReadIssue],
                       result: ReadResult, channel: str) -> None:
    _require(table.header, ("id", "title", "body"), issues)
    if issues:
        return
    category = _first_present(table.header, ("category/name/fr", "category/name/en"))
    scope = _first_present(table.header, ("scope/name/fr", "scope/name/en"))
    for line, row in table.rows:
        text = clean_text(row["body"])
        if not text:
            result.skipped_empty += 1
            continue
        _add(result, line, Contribution(
            id=row["id"].strip(), text=text, title=clean_text(row["title"]),
            date=_date(row, "created_at", line, issues), channel=channel or "online",
            question=row.get(category or "", "").strip(),
            neighbourhood=row.get(scope or "", "").strip(),
            votes=_int(row, "votes" if "votes" in row else None, line, issues),
            extra={k: row[k] for k in ("url", "comments") if row.get(k)},
        ))


def _decidim_comments(table: _Rows, mapping: ColumnMapping, issues: list[ReadIssue],
                      result: ReadResult, channel: str) -> None:
    _require(table.header, ("id", "body", "commentable_id"), issues)
    if issues:
        return
    stances = {"-1": "against", "0": "none", "1": "for"}
    for line, row in table.rows:
        text = clean_text(row["body"])
        if not text:
            result.skipped_empty += 1
            continue
        alignment = row.get("alignment", "").strip()
        extra = {k: row[k] for k in ("root_commentable_url", "depth") if row.get(k)}
        if alignment:
            if alignment not in stances:
                issues.append(ReadIssue(line, "alignment", f"expected -1, 0 or 1, got "
                                                           f"{alignment!r}"))
                continue
            extra["alignment"] = stances[alignment]
        kind = row.get("commentable_type", "").rsplit("::", 1)[-1]
        _add(result, line, Contribution(
            id=row["id"].strip(), text=text,
            author=pseudonymise(row.get("author/id", "")),
            date=_date(row, "created_at", line, issues), channel=channel or "online",
            question=f"{kind or 'item'} {row['commentable_id'].strip()}",
            extra=extra,
        ))


CAP_META = {"id", "reference", "title", "createdAt", "publishedAt", "updatedAt", "trashed",
            "trashedStatus", "authorId", "authorType", "authorZipCode"}


def _capcollectif(table: _Rows, mapping: ColumnMapping, issues: list[ReadIssue],
                  result: ReadResult, channel: str) -> None:
    _require(table.header, ("id",), issues)
    questions = [h for h in table.header if h not in CAP_META and not NAME_COLUMNS.search(h)]
    if not questions:
        issues.append(ReadIssue(1, "", "no question column besides the metadata columns"))
    if issues:
        return
    for line, row in table.rows:
        if row.get("trashed", "").strip().lower() in ("true", "1", "yes"):
            continue
        date = _date(row, "publishedAt" if row.get("publishedAt") else "createdAt", line, issues)
        for question in questions:
            text = clean_text(row.get(question, ""))
            if not text:
                result.skipped_empty += 1
                continue
            code, _, label = question.partition(" - ")
            _add(result, line, Contribution(
                id=f"{row['id'].strip()}:{code.strip()}", text=text,
                title=clean_text(row.get("title", "")),
                author=pseudonymise(row.get("authorId", "")), date=date,
                channel=channel or "online", question=(label or code).strip(),
                neighbourhood=row.get("authorZipCode", "").strip(),
                extra={"reference": row.get("reference", "")} if row.get("reference") else {},
            ))


def _polis(table: _Rows, mapping: ColumnMapping, issues: list[ReadIssue],
           result: ReadResult, channel: str) -> None:
    _require(table.header, ("comment-id", "comment-body"), issues)
    if issues:
        return
    for line, row in table.rows:
        text = clean_text(row["comment-body"])
        if not text:
            result.skipped_empty += 1
            continue
        date = ""
        stamp = row.get("timestamp", "").strip()
        if stamp:
            try:
                date = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC).isoformat()
            except (ValueError, OverflowError):
                issues.append(ReadIssue(line, "timestamp", f"not a millisecond timestamp: "
                                                           f"{stamp!r}"))
        extra = {k: row[k] for k in ("disagrees", "moderated") if row.get(k)}
        _add(result, line, Contribution(
            id=row["comment-id"].strip(), text=text,
            author=pseudonymise(row.get("author-id", "")), date=date,
            channel=channel or "online",
            votes=_int(row, "agrees" if "agrees" in row else None, line, issues), extra=extra,
        ))


_BUILDERS: dict[str, Builder] = {
    "csv": _generic, "xlsx": _generic, "json": _generic,
    "decidim-proposals": _decidim_proposals, "decidim-comments": _decidim_comments,
    "capcollectif": _capcollectif, "polis": _polis,
}


# --- helpers ------------------------------------------------------------------------------------

def _require(header: list[str], columns: Iterable[str], issues: list[ReadIssue]) -> None:
    for column in columns:
        if column not in header:
            issues.append(ReadIssue(1, column, "required column is missing"))


def _first_present(header: list[str], columns: Iterable[str]) -> str | None:
    return next((c for c in columns if c in header), None)


def _extra(row: dict[str, str], used: set[str]) -> dict[str, str]:
    return {k: v for k, v in row.items()
            if k not in used and v.strip() and not NAME_COLUMNS.search(k)}


def _int(row: dict[str, str], column: str | None, line: int,
         issues: list[ReadIssue]) -> int | None:
    if not column:
        return None
    value = row.get(column, "").strip()
    if not value:
        return None
    try:
        return int(float(value)) if re.fullmatch(r"-?\d+(\.0+)?", value) else int(value)
    except ValueError:
        issues.append(ReadIssue(line, column, f"not a whole number: {value[:30]!r}"))
        return None


DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y",
                "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S")


def _date(row: dict[str, str], column: str | None, line: int, issues: list[ReadIssue]) -> str:
    if not column:
        return ""
    value = row.get(column, "").strip()
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).isoformat()
        except ValueError:
            continue
    issues.append(ReadIssue(line, column, f"not a date: {value[:30]!r}"))
    return ""


def _add(result: ReadResult, line: int, contribution: Contribution) -> None:
    result.contributions.append(contribution)
    result.lines.append(line)


def _check_ids(result: ReadResult, issues: list[ReadIssue]) -> None:
    seen: dict[str, int] = {}
    for line, contribution in zip(result.lines, result.contributions, strict=True):
        if not contribution.id:
            issues.append(ReadIssue(line, "id", "empty identifier"))
        elif contribution.id in seen:
            issues.append(ReadIssue(line, "id", f"duplicate identifier {contribution.id!r} "
                                                f"(first on line {seen[contribution.id]})"))
        seen.setdefault(contribution.id, line)
