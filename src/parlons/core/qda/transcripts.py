"""Import of interview transcripts (.txt, .md, .docx, .odt, .srt, .vtt) and of case attributes.

Plain-text formats are kept verbatim (only the byte-order mark is removed and line ends become LF),
so offsets computed by other tools on the same file stay valid. Speaker turns are detected in three
layouts: ``Speaker : text``, ``[hh:mm:ss] Speaker : text`` and ``text #hh:mm:ss-d#``. Subtitles
(.srt, .vtt) become one ``Speaker : text`` line per cue, their start time kept on the turn.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from parlons.core.qda.messages import QdaError
from parlons.core.qda.model import Case, Project, Source, Turn, Variable, new_guid

SUPPORTED = (".txt", ".md", ".docx", ".odt", ".srt", ".vtt")

_BRACKET = re.compile(r"^\[(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?\]\s*")
_SPEAKER = re.compile(r"^(?P<speaker>[^\s:#\[\],.;!?«»][^:\n,.;!?«»]{0,40}?)\s?:\s+(?=\S)")
_TRAILING = re.compile(r"\s*#(\d{1,2}):(\d{2}):(\d{2})(?:[-.,](\d+))?#\s*$")
_CUE_TIME = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _seconds(h: str | None, m: str, s: str, frac: str | None) -> float:
    value = float(int(h or 0) * 3600 + int(m) * 60 + int(s))
    if frac:
        value += int(frac) / (10 ** len(frac))
    return value


def detect_turns(text: str) -> list[Turn]:
    """Speaker turns of a transcript, one per line that starts with a speaker label.

    A line without a label continues the previous turn. The turn covers the spoken text only
    (label and timestamps excluded); ``time`` is in seconds.
    """
    turns: list[Turn] = []
    offset = 0
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        pos = 0
        time = None
        bracket = _BRACKET.match(line)
        if bracket:
            time = _seconds(*bracket.groups())
            pos = bracket.end()
        rest = line[pos:]
        speaker = _SPEAKER.match(rest)
        body_end = len(line)
        trailing = _TRAILING.search(line)
        if trailing:
            body_end = trailing.start()
            if time is None:
                time = _seconds(*trailing.groups())
        if speaker and not _looks_like_header(speaker.group("speaker")):
            start = line_start + pos + speaker.end()
            turns.append(Turn(speaker.group("speaker").strip(), start, line_start + body_end, time))
        elif turns and line.strip() and turns[-1].end >= line_start - 2:
            turns[-1].end = line_start + body_end
    return turns


def _looks_like_header(label: str) -> bool:
    """``Date : …`` or ``Durée : …`` lines of a header are not speaker turns."""
    return label.strip().casefold() in {
        "date",
        "durée",
        "duree",
        "lieu",
        "note",
        "remarque",
        "notes",
        "source",
        "titre",
    }


def _normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def docx_text(data: bytes) -> str:
    """Paragraphs of a Word document joined by line feeds."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types
        raise QdaError("unreadable .docx: {error}", error=exc) from exc
    return "\n".join(p.text for p in document.paragraphs)


_ODT_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def odt_text(data: bytes) -> str:
    """Paragraphs and headings of an OpenDocument text, joined by line feeds."""
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(content, parser)  # noqa: S320
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise QdaError("unreadable .odt: {error}", error=exc) from exc
    paragraphs = []
    for el in root.iter(f"{{{_ODT_TEXT}}}p", f"{{{_ODT_TEXT}}}h"):
        paragraphs.append(_odt_inline(el))
    return "\n".join(paragraphs)


def _odt_inline(el: Any) -> str:
    parts = [el.text or ""]
    for child in el:
        tag = child.tag.split("}")[-1] if isinstance(child.tag, str) else ""
        if tag == "s":
            parts.append(" " * int(child.get(f"{{{_ODT_TEXT}}}c", "1")))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        elif tag not in ("note", "annotation"):
            parts.append(_odt_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def subtitles(data: bytes) -> tuple[str, list[Turn]]:
    """Text and turns of an .srt or .vtt file: one ``Speaker : text`` line per cue."""
    raw = _normalise(_decode(data))
    lines: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for block in re.split(r"\n\s*\n", raw):
        rows = block.split("\n")
        timing = next((i for i, r in enumerate(rows) if _CUE_TIME.search(r)), None)
        if timing is None:
            continue
        groups = _CUE_TIME.search(rows[timing]).groups()  # type: ignore[union-attr]
        time = _seconds(*groups[:4])
        content = " ".join(r.strip() for r in rows[timing + 1 :] if r.strip())
        if not content:
            continue
        speaker = None
        voice = _VOICE.search(content)
        if voice:
            speaker = voice.group(1).strip()
        content = _TAG.sub("", content).strip()
        if speaker is None:
            label = _SPEAKER.match(content)
            if label:
                speaker = label.group("speaker").strip()
                content = content[label.end() :]
        line = f"{speaker} : {content}" if speaker else content
        start = offset + (len(speaker) + 3 if speaker else 0)
        turns.append(Turn(speaker or "", start, offset + len(line), time))
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), turns


def extract_text(data: bytes, ext: str) -> str:
    """Plain text of a transcript file given its extension."""
    ext = ext.lower()
    if ext == ".docx":
        return _normalise(docx_text(data))
    if ext == ".odt":
        return _normalise(odt_text(data))
    if ext in (".srt", ".vtt"):
        return subtitles(data)[0]
    if ext in (".txt", ".md", ""):
        return _normalise(_decode(data))
    raise QdaError(
        "unsupported transcript format {ext!r} (expected one of {expected})",
        ext=ext,
        expected=SUPPORTED,
    )


def load_transcript(path: str | Path, *, name: str | None = None) -> Source:
    """Read a transcript file into a :class:`Source` with its speaker turns."""
    path = Path(path)
    data = path.read_bytes()
    ext = path.suffix.lower()
    if ext in (".srt", ".vtt"):
        text, turns = subtitles(data)
    else:
        text = extract_text(data, ext)
        turns = detect_turns(text)
    source = Source(new_guid(), name or path.stem, text, turns=turns)
    if ext in (".docx", ".odt"):
        source.rich_ext, source.rich_bytes = ext, data
    return source


# ---------------------------------------------------------------------------------------
# cases from a CSV of attributes
# ---------------------------------------------------------------------------------------

_LINK_COLUMNS = {"fichier", "file", "source", "document", "filename", "transcript"}
_TRUE = {"true", "vrai", "oui", "yes"}
_FALSE = {"false", "faux", "non", "no"}


def infer_type(values: list[str]) -> str:
    """REFI type of a CSV column: Integer, Float, Boolean, Date or Text (blanks ignored)."""
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return "Text"

    def all_of(check: Any) -> bool:
        try:
            return all(check(v) for v in present)
        except ValueError:
            return False

    if all_of(lambda v: re.fullmatch(r"[+-]?\d+", v) is not None):
        return "Integer"
    if all_of(lambda v: re.fullmatch(r"[+-]?\d+[.,]\d+", v) is not None):
        return "Float"
    if all(v.casefold() in _TRUE | _FALSE for v in present):
        return "Boolean"
    if all_of(lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and dt.date.fromisoformat(v)):
        return "Date"
    return "Text"


def _typed(kind: str, raw: str) -> Any:
    raw = raw.strip()
    if kind == "Integer":
        return int(raw)
    if kind == "Float":
        return float(raw.replace(",", "."))
    if kind == "Boolean":
        return raw.casefold() in _TRUE
    if kind == "Date":
        return dt.date.fromisoformat(raw)
    return raw


def read_cases_csv(
    project: Project, data: str, *, id_column: str | None = None, name_column: str | None = None
) -> list[Case]:
    """Add one case per CSV row, with typed variables; links each case to its source.

    A source is linked when a ``fichier``/``file``/``source`` column names it (path, file name or
    stem), or when the case id equals the source name or starts it (``E01`` ↔ ``E01 – Nadia``).
    """
    rows = list(csv.DictReader(io.StringIO(_normalise(data))))
    if not rows:
        raise QdaError("the cases CSV has no rows")
    columns = list(rows[0].keys())
    id_column = id_column or columns[0]
    if id_column not in columns:
        raise QdaError("no column {column!r} in the cases CSV", column=id_column)
    link_columns = [c for c in columns if c.strip().casefold() in _LINK_COLUMNS]
    attr_columns = [c for c in columns if c != id_column and c not in link_columns]
    variables: dict[str, Variable] = {}
    for column in attr_columns:
        try:
            variables[column] = project.variable_by_name(column)
        except KeyError:
            variable = Variable(new_guid(), column, infer_type([r[column] or "" for r in rows]))
            project.variables[variable.guid] = variable
            variables[column] = variable
    cases = []
    for row in rows:
        case_id = (row[id_column] or "").strip()
        if not case_id:
            continue
        label = case_id
        if name_column and row.get(name_column):
            label = f"{case_id} – {row[name_column].strip()}"
        case = Case(new_guid(), label)
        for column, variable in variables.items():
            raw = row.get(column) or ""
            if raw.strip():
                try:
                    case.values[variable.guid] = _typed(variable.type, raw)
                except ValueError as exc:
                    raise QdaError(
                        "case {case}: bad {type} {value!r} in {column!r}",
                        case=case_id,
                        type=variable.type,
                        value=raw,
                        column=column,
                    ) from exc
        wanted = {case_id.casefold()}
        for column in link_columns:
            if row.get(column):
                p = Path(row[column].strip())
                wanted |= {str(p).casefold(), p.name.casefold(), p.stem.casefold()}
        for source in project.sources.values():
            names = {source.name.casefold()}
            if any(n in wanted for n in names) or source.name.casefold().startswith(
                case_id.casefold() + " "
            ):
                case.sources.append(source.guid)
        project.cases[case.guid] = case
        cases.append(case)
    return cases
