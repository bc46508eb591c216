"""REFI-QDA 1.0 exchange: lenient reading and strict writing of ``.qdpx``/``.qde``/``.qdc``.

Reading accepts the quirks of real exports and returns human-readable messages saying what was
repaired or dropped. Writing produces files that validate against the bundled XSDs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from parlons.core.qda.messages import QdaError, msg
from parlons.core.qda.model import (
    PROJECT,
    Case,
    Code,
    Coding,
    Link,
    Note,
    Project,
    Selection,
    Set,
    Source,
    User,
    Variable,
    new_guid,
)
from parlons.core.qda.transcripts import detect_turns, extract_text

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_DIR = Path(__file__).with_name("schemas")
_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_RGB_RE = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_HIERARCHY_RE = re.compile(r"\s*(?:::|/|>>)\s*")


class RefiError(QdaError):
    """The file cannot be read as a REFI-QDA project or codebook."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@cache
def schema(kind: str) -> etree.XMLSchema:
    """The XSD of ``kind`` (``"project"`` or ``"codebook"``)."""
    name = {"project": "Project.xsd", "codebook": "Codebook.xsd"}[kind]
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name), _parser()))  # noqa: S320


def schema_errors(xml: bytes, kind: str) -> list[str]:
    """Schema violations of an XML document (empty when it is valid)."""
    try:
        tree = etree.fromstring(xml, _parser())  # noqa: S320
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    validator = schema(kind)
    if validator.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in validator.error_log]


# ---------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.messages: list[str] = []
        self.files = files or {}
        self._lower = {k.lower(): k for k in self.files}
        self._braces = 0
        self._lower_guids = 0
        self._case_mismatch: list[str] = []

    def note(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)

    def guid(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        match = _GUID_RE.match(value.strip())
        if not match:
            self.note(
                msg(
                    "invalid GUID {value!r} on {what}: replaced by a new one",
                    value=value,
                    what=what,
                )
            )
            return new_guid(value)
        if value.strip().startswith("{"):
            self._braces += 1
        if match.group(1) != match.group(1).upper():
            self._lower_guids += 1
        return match.group(1).upper()

    def color(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        if _RGB_RE.match(value):
            return value.upper()
        self.note(msg("invalid colour {value!r} on {what}: dropped", value=value, what=what))
        return None

    def datetime(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.note(msg("invalid date-time {value!r} on {what}: dropped", value=value, what=what))
            return None
        return value

    def file(self, path: str | None, what: str) -> bytes | None:
        """Find an archive member, tolerating missing ``internal://`` and folder case."""
        if not path:
            return None
        name = path
        if name.startswith("internal://"):
            name = name[len("internal://") :]
        else:
            self.note(
                msg(
                    "path {path!r} of {what} has no internal:// scheme: looked up in sources/",
                    path=path,
                    what=what,
                )
            )
            name = re.sub(r"^(relative|file|absolute)://", "", name)
        base = PurePosixPath(name.replace("\\", "/")).name
        for candidate in (f"sources/{base}", f"Sources/{base}", base, name):
            if candidate in self.files:
                return self.files[candidate]
            real = self._lower.get(candidate.lower())
            if real is not None:
                self._case_mismatch.append(real)
                return self.files[real]
        self.note(msg("file {path!r} of {what} is missing from the archive", path=path, what=what))
        return None

    def finish(self) -> None:
        if self._case_mismatch:
            self.note(
                msg(
                    "{count} archive files found despite a different letter case (e.g. "
                    "{example!r}, Sources/ for sources/)",
                    count=len(self._case_mismatch),
                    example=self._case_mismatch[0],
                )
            )
        if self._braces:
            self.note(
                msg("{count} GUIDs written with braces {{}}: braces removed", count=self._braces)
            )
        if self._lower_guids:
            self.note(msg("{count} lower-case GUIDs: upper-cased", count=self._lower_guids))


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _kid(el: Any, name: str) -> Any | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text(el: Any, name: str) -> str | None:
    child = _kid(el, name)
    if child is None:
        return None
    return child.text or ""


def _refs(el: Any, name: str, reader: _Reader) -> list[str]:
    out = []
    for ref in _kids(el, name):
        value = ref.get("targetGUID") or ref.get("guid")
        guid = reader.guid(value, name)
        if guid:
            out.append(guid)
    return out


def _read_codes(el: Any, project: Project, reader: _Reader, parent: str | None) -> None:
    for code_el in _kids(el, "Code"):
        guid = reader.guid(code_el.get("guid"), msg("a code")) or new_guid()
        if guid in project.codes:
            reader.note(msg("duplicate code GUID {guid}: second code given a new GUID", guid=guid))
            guid = new_guid()
        name = code_el.get("name") or "(unnamed code)"
        codable = code_el.get("isCodable")
        if codable is None:
            reader.note(msg("code {name!r} has no isCodable: taken as codable", name=name))
        code = Code(
            guid,
            name,
            (codable or "true").strip().lower() in ("true", "1"),
            reader.color(code_el.get("color"), msg("code {name!r}", name=name)),
            _text(code_el, "Description"),
            parent,
        )
        project.codes[guid] = code
        for note_guid in _refs(code_el, "NoteRef", reader):
            project.notes.setdefault(note_guid, Note(note_guid)).targets.append(guid)
        _read_codes(code_el, project, reader, guid)


def _split_hierarchy(project: Project, reader: _Reader) -> None:
    """Rebuild a hierarchy written into flat names (``a/b``, ``a::b``, ``a>>b``)."""
    if any(c.parent is not None for c in project.codes.values()):
        return
    flat = [c for c in project.codes.values() if _HIERARCHY_RE.search(c.name)]
    if not flat:
        return
    by_path: dict[tuple[str, ...], str] = {(c.name,): c.guid for c in project.codes.values()}
    new_codes: dict[str, Code] = {}
    for code in list(project.codes.values()):
        parts = tuple(p for p in _HIERARCHY_RE.split(code.name) if p)
        if len(parts) <= 1:
            new_codes.setdefault(code.guid, code)
            continue
        parent = None
        for depth in range(1, len(parts)):
            key = parts[:depth]
            if key not in by_path:
                group = Code(new_guid("/".join(key)), key[-1], False, parent=parent)
                by_path[key] = group.guid
                new_codes[group.guid] = group
                reader.note(
                    msg("created non-codable group {name!r} from code names", name="/".join(key))
                )
            parent = by_path[key]
        code.name, code.parent = parts[-1], parent
        by_path[parts] = code.guid
        new_codes[code.guid] = code
    # keep children after their parents
    project.codes = new_codes
    reader.note(msg("hierarchy rebuilt from {count} code names written as paths", count=len(flat)))


_VALUE_TAGS = {
    "TextValue": "Text",
    "BooleanValue": "Boolean",
    "IntegerValue": "Integer",
    "FloatValue": "Float",
    "DateValue": "Date",
    "DateTimeValue": "DateTime",
}


def parse_value(kind: str, raw: str) -> Any:
    """Typed Python value of a REFI variable value."""
    raw = raw.strip() if kind != "Text" else raw
    if kind == "Boolean":
        return raw.lower() in ("true", "1", "yes", "oui", "vrai")
    if kind == "Integer":
        return int(raw)
    if kind == "Float":
        return float(raw.replace(",", "."))
    if kind == "Date":
        return dt.date.fromisoformat(raw[:10])
    if kind == "DateTime":
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return raw


def format_value(kind: str, value: Any) -> str:
    """REFI text of a typed value."""
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Float":
        return format(Decimal(repr(float(value))), "f")
    if kind == "DateTime" and isinstance(value, dt.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_values(el: Any, project: Project, reader: _Reader, owner: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for vv in _kids(el, "VariableValue"):
        refs = _refs(vv, "VariableRef", reader)
        if not refs or refs[0] not in project.variables:
            reader.note(msg("value of an unknown variable on {owner}: dropped", owner=owner))
            continue
        variable = project.variables[refs[0]]
        for child in vv:
            tag = _local(child)
            if tag in _VALUE_TAGS:
                try:
                    values[variable.guid] = parse_value(_VALUE_TAGS[tag], child.text or "")
                except ValueError:
                    reader.note(
                        msg(
                            "bad {tag} {value!r} of {variable!r} on {owner}: dropped",
                            tag=tag,
                            value=child.text,
                            variable=variable.name,
                            owner=owner,
                        )
                    )
                break
    return values


def _decode(data: bytes, what: str, reader: _Reader) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        reader.note(msg("{what} is not UTF-8: read as Windows-1252", what=what))
        return data.decode("cp1252", errors="replace")


def _fix_crlf(source: Source, selections: list[Selection], reader: _Reader) -> None:
    """Normalise CRLF to LF, remapping offsets counted on either text."""
    if "\r" not in source.text:
        return
    raw = source.text
    lf = raw.replace("\r\n", "\n").replace("\r", "\n")
    # cumulative count of removed characters before each raw index
    removed = [0] * (len(raw) + 1)
    count = 0
    for i, ch in enumerate(raw):
        removed[i] = count
        if ch == "\r":
            count += 1 if raw[i + 1 : i + 2] == "\n" else 0
    removed[len(raw)] = count

    def score(text: str) -> int:
        total = 0
        for sel in selections:
            if sel.name:
                head = sel.name.rstrip("…").rstrip(".")[:20]
                total += text[sel.start : sel.start + len(head)] == head
        return total

    on_raw = score(raw)
    on_lf = score(lf)
    if on_raw > on_lf:
        for sel in selections:
            sel.start -= removed[min(sel.start, len(raw))]
            sel.end -= removed[min(sel.end, len(raw))]
        reader.note(
            msg(
                "source {name!r}: CRLF line ends normalised to LF, offsets counted "
                "with CR remapped",
                name=source.name,
            )
        )
    else:
        reader.note(msg("source {name!r}: CRLF line ends normalised to LF", name=source.name))
    source.text = lf


def _read_source(el: Any, project: Project, reader: _Reader) -> None:
    guid = reader.guid(el.get("guid"), msg("a source")) or new_guid()
    name = el.get("name") or guid
    what = msg("source {name!r}", name=name)
    text = _text(el, "PlainTextContent")
    data = reader.file(el.get("plainTextPath"), what) if el.get("plainTextPath") else None
    if data is not None:
        text = _decode(data, what, reader)
    rich_path = el.get("richTextPath")
    rich = reader.file(rich_path, what) if rich_path else None
    rich_ext = PurePosixPath(rich_path).suffix.lower() if rich_path and rich is not None else None
    if text is None and rich is not None:
        try:
            text = extract_text(rich, rich_ext or ".docx")
            reader.note(msg("{what}: plain text rebuilt from its rich text file", what=what))
        except ValueError as exc:
            reader.note(msg("{what}: rich text unreadable ({error})", what=what, error=exc))
    if text is None:
        reader.note(msg("{what} has no readable text: dropped with its selections", what=what))
        return
    source = Source(
        guid,
        name,
        text,
        _text(el, "Description"),
        rich_ext,
        rich,
        reader.guid(el.get("creatingUser"), what),
        reader.datetime(el.get("creationDateTime"), what),
    )
    selections = []
    for sel_el in _kids(el, "PlainTextSelection"):
        sguid = reader.guid(sel_el.get("guid"), msg("a selection")) or new_guid()
        try:
            start, end = int(sel_el.get("startPosition")), int(sel_el.get("endPosition"))
        except (TypeError, ValueError):
            reader.note(
                msg(
                    "selection {guid} in {what} has no valid positions: dropped",
                    guid=sguid,
                    what=what,
                )
            )
            continue
        selection = Selection(
            sguid,
            guid,
            start,
            end,
            sel_el.get("name"),
            _text(sel_el, "Description"),
            reader.guid(sel_el.get("creatingUser"), msg("a selection")),
            reader.datetime(sel_el.get("creationDateTime"), msg("a selection")),
        )
        for coding_el in _kids(sel_el, "Coding"):
            refs = _refs(coding_el, "CodeRef", reader)
            if not refs:
                reader.note(msg("coding without CodeRef in {what}: dropped", what=what))
                continue
            selection.codings.append(
                Coding(
                    reader.guid(coding_el.get("guid"), msg("a coding")) or new_guid(),
                    refs[0],
                    reader.guid(coding_el.get("creatingUser"), msg("a coding")),
                    reader.datetime(coding_el.get("creationDateTime"), msg("a coding")),
                )
            )
            for note_guid in _refs(coding_el, "NoteRef", reader):
                project.notes.setdefault(note_guid, Note(note_guid)).targets.append(sguid)
        for note_guid in _refs(sel_el, "NoteRef", reader):
            project.notes.setdefault(note_guid, Note(note_guid)).targets.append(sguid)
        selections.append(selection)
    if _kids(el, "Coding"):
        reader.note(
            msg("{what}: codings of the whole source are not supported: dropped", what=what)
        )
    _fix_crlf(source, selections, reader)
    for selection in selections:
        if not 0 <= selection.start < selection.end <= len(source.text):
            reader.note(
                msg(
                    "selection [{start}, {end}) outside {what} ({length} characters): dropped",
                    start=selection.start,
                    end=selection.end,
                    what=what,
                    length=len(source.text),
                )
            )
            continue
        project.selections[selection.guid] = selection
    for note_guid in _refs(el, "NoteRef", reader):
        project.notes.setdefault(note_guid, Note(note_guid)).targets.append(guid)
    source.values = _read_values(el, project, reader, what)
    source.turns = detect_turns(source.text)
    project.sources[guid] = source


def _read_note(el: Any, project: Project, reader: _Reader) -> None:
    guid = reader.guid(el.get("guid"), msg("a note")) or new_guid()
    name = el.get("name")
    text = _text(el, "PlainTextContent")
    if el.get("plainTextPath"):
        data = reader.file(el.get("plainTextPath"), msg("note {name!r}", name=name))
        if data is not None:
            text = _decode(data, msg("note {name!r}", name=name), reader).replace("\r\n", "\n")
    note = project.notes.get(guid) or Note(guid)
    note.name = name
    note.text = text or ""
    note.description = _text(el, "Description")
    note.creating_user = reader.guid(el.get("creatingUser"), msg("a note"))
    note.creation_datetime = reader.datetime(el.get("creationDateTime"), msg("a note"))
    project.notes[guid] = note


def _read_sets(el: Any, project: Project, reader: _Reader) -> None:
    for set_el in _kids(el, "Set"):
        guid = reader.guid(set_el.get("guid"), msg("a set")) or new_guid()
        project.sets[guid] = Set(
            guid,
            set_el.get("name") or guid,
            _text(set_el, "Description"),
            _refs(set_el, "MemberCode", reader),
            _refs(set_el, "MemberSource", reader),
            _refs(set_el, "MemberNote", reader),
        )


def _check_empty(root: Any, reader: _Reader) -> None:
    containers = (
        "Users",
        "Codes",
        "Variables",
        "Cases",
        "Sources",
        "Notes",
        "Links",
        "Sets",
        "Graphs",
    )
    for el in root.iter():
        if _local(el) in containers and len(el) == 0:
            reader.note(msg("empty <{tag}/> container ignored", tag=_local(el)))


def _namespace_check(root: Any, expected: str, reader: _Reader) -> None:
    ns = etree.QName(root).namespace
    if ns != expected:
        reader.note(
            msg(
                "namespace {namespace!r} read as {expected!r}",
                namespace=ns or "(none)",
                expected=expected,
            )
        )


def _parse_xml(data: bytes, reader: _Reader) -> Any:
    try:
        return etree.fromstring(data, _parser())  # noqa: S320
    except etree.XMLSyntaxError as exc:
        raise RefiError("not well-formed XML: {error}", error=exc) from exc


def _resolve(project: Project, reader: _Reader) -> None:
    """Drop references to objects that do not exist."""
    for selection in list(project.selections.values()):
        kept = [c for c in selection.codings if c.code in project.codes]
        if len(kept) != len(selection.codings):
            reader.note(msg("codings referring to unknown codes: dropped"))
        selection.codings = kept
    for case in project.cases.values():
        case.sources = [g for g in case.sources if g in project.sources]
        case.selections = [g for g in case.selections if g in project.selections]
        case.codes = [g for g in case.codes if g in project.codes]
    for guid, note in list(project.notes.items()):
        if note.name is None and not note.text:
            reader.note(msg("NoteRef to missing note {guid}: dropped", guid=guid))
            del project.notes[guid]
    for s in project.sets.values():
        s.codes = [g for g in s.codes if g in project.codes]
        s.sources = [g for g in s.sources if g in project.sources]
        s.notes = [g for g in s.notes if g in project.notes]
    for guid, link in list(project.links.items()):
        known = set(project.codes) | set(project.sources) | set(project.selections)
        known |= set(project.cases) | set(project.notes)
        if link.origin not in known or link.target not in known:
            reader.note(msg("link {name!r} to an unknown object: dropped", name=link.name))
            del project.links[guid]


def read_project_xml(
    data: bytes, files: dict[str, bytes] | None = None
) -> tuple[Project, list[str]]:
    """Read a ``project.qde`` document (and the archive's files); returns (project, messages)."""
    reader = _Reader(files)
    root = _parse_xml(data, reader)
    if _local(root) == "CodeBook":
        return _read_codebook_root(root, reader)
    if _local(root) != "Project":
        raise RefiError(
            "root element is <{tag}>, expected <{expected}>", tag=_local(root), expected="Project"
        )
    _namespace_check(root, PROJECT_NS, reader)
    _check_empty(root, reader)
    project = Project(
        name=root.get("name") or "(unnamed project)",
        origin=root.get("origin"),
        creating_user=reader.guid(root.get("creatingUserGUID"), msg("the project")),
        creation_datetime=reader.datetime(root.get("creationDateTime"), msg("the project")),
        modifying_user=reader.guid(root.get("modifyingUserGUID"), msg("the project")),
        modified_datetime=reader.datetime(root.get("modifiedDateTime"), msg("the project")),
        description=_text(root, "Description"),
    )
    users = _kid(root, "Users")
    for user_el in users if users is not None else []:
        if _local(user_el) == "User":
            guid = reader.guid(user_el.get("guid"), msg("a user")) or new_guid()
            project.users[guid] = User(guid, user_el.get("name"), user_el.get("id"))
    codebook = _kid(root, "CodeBook")
    codes = _kid(codebook, "Codes") if codebook is not None else None
    if codes is not None:
        _read_codes(codes, project, reader, None)
    _split_hierarchy(project, reader)
    variables = _kid(root, "Variables")
    for var_el in _kids(variables, "Variable") if variables is not None else []:
        guid = reader.guid(var_el.get("guid"), msg("a variable")) or new_guid()
        kind = var_el.get("typeOfVariable") or "Text"
        if kind not in _VALUE_TAGS.values():
            reader.note(
                msg(
                    "variable {name!r}: unknown type {type!r} read as Text",
                    name=var_el.get("name"),
                    type=kind,
                )
            )
            kind = "Text"
        project.variables[guid] = Variable(
            guid, var_el.get("name") or guid, kind, _text(var_el, "Description")
        )
    sources = _kid(root, "Sources")
    for src_el in sources if sources is not None else []:
        tag = _local(src_el)
        if tag == "TextSource":
            _read_source(src_el, project, reader)
        elif tag:
            reader.note(
                msg(
                    "<{tag}> {name!r} not supported (text only): dropped",
                    tag=tag,
                    name=src_el.get("name"),
                )
            )
    cases = _kid(root, "Cases")
    for case_el in _kids(cases, "Case") if cases is not None else []:
        guid = reader.guid(case_el.get("guid"), msg("a case")) or new_guid()
        name = case_el.get("name")
        project.cases[guid] = Case(
            guid,
            name,
            _text(case_el, "Description"),
            _read_values(case_el, project, reader, msg("case {name!r}", name=name)),
            _refs(case_el, "SourceRef", reader),
            _refs(case_el, "SelectionRef", reader),
            _refs(case_el, "CodeRef", reader),
        )
    notes = _kid(root, "Notes")
    for note_el in _kids(notes, "Note") if notes is not None else []:
        _read_note(note_el, project, reader)
    links = _kid(root, "Links")
    for link_el in _kids(links, "Link") if links is not None else []:
        guid = reader.guid(link_el.get("guid"), msg("a link")) or new_guid()
        project.links[guid] = Link(
            guid,
            reader.guid(link_el.get("originGUID"), msg("a link")) or "",
            reader.guid(link_el.get("targetGUID"), msg("a link")) or "",
            link_el.get("name"),
            link_el.get("direction"),
            reader.color(link_el.get("color"), msg("a link")),
        )
        for note_guid in _refs(link_el, "NoteRef", reader):
            project.notes.setdefault(note_guid, Note(note_guid)).targets.append(guid)
    sets = _kid(root, "Sets")
    if sets is not None:
        _read_sets(sets, project, reader)
    if _kid(root, "Graphs") is not None:
        reader.note(msg("<Graphs> not supported: dropped"))
    for note_guid in _refs(root, "NoteRef", reader):
        project.notes.setdefault(note_guid, Note(note_guid)).targets.append(PROJECT)
    _resolve(project, reader)
    reader.finish()
    return project, reader.messages


def _read_codebook_root(root: Any, reader: _Reader) -> tuple[Project, list[str]]:
    _namespace_check(root, CODEBOOK_NS, reader)
    _check_empty(root, reader)
    project = Project(name="Codebook", origin=root.get("origin"))
    codes = _kid(root, "Codes")
    if codes is not None:
        _read_codes(codes, project, reader, None)
    _split_hierarchy(project, reader)
    sets = _kid(root, "Sets")
    if sets is not None:
        _read_sets(sets, project, reader)
    _resolve(project, reader)
    reader.finish()
    return project, reader.messages


def read_codebook(data: bytes) -> tuple[Project, list[str]]:
    """Read a ``.qdc`` codebook into a project holding only codes and sets."""
    reader = _Reader()
    root = _parse_xml(data, reader)
    if _local(root) != "CodeBook":
        raise RefiError(
            "root element is <{tag}>, expected <{expected}>", tag=_local(root), expected="CodeBook"
        )
    return _read_codebook_root(root, reader)


def archive_files(data: bytes) -> dict[str, bytes]:
    """Members of a ``.qdpx`` (zip) archive by name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    except zipfile.BadZipFile as exc:
        raise RefiError("not a .qdpx archive (zip): {error}", error=exc) from exc


def read_qdpx(data: bytes) -> tuple[Project, list[str]]:
    """Read a ``.qdpx`` archive; returns (project, repair messages)."""
    files = archive_files(data)
    qde = [n for n in files if n.lower().endswith(".qde")]
    if not qde:
        raise RefiError("the archive holds no project.qde")
    main = "project.qde" if "project.qde" in files else qde[0]
    project, messages = read_project_xml(files[main], files)
    if main != "project.qde":
        messages.insert(0, msg("project read from {name!r} instead of project.qde", name=main))
    return project, messages


def read_path(path: str | Path) -> tuple[Project, list[str]]:
    """Read a ``.qdpx``, ``.qde`` or ``.qdc`` file by extension."""
    path = Path(path)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".qdpx" or data[:2] == b"PK":
        return read_qdpx(data)
    if suffix == ".qdc":
        return read_codebook(data)
    return read_project_xml(data)


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------


def _sub(parent: Any, ns: str, tag: str, **attrs: str | None) -> Any:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            el.set(key, value)
    return el


def _text_el(parent: Any, ns: str, tag: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, ns, tag).text = _xml_safe(text)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _write_codes(
    parent: Any,
    ns: str,
    project: Project,
    parent_guid: str | None,
    notes_of: dict[str, list[str]] | None,
) -> None:
    for code in project.children(parent_guid):
        el = _sub(
            parent,
            ns,
            "Code",
            guid=code.guid,
            name=code.name,
            isCodable=_bool(code.is_codable),
            color=code.color,
        )
        _text_el(el, ns, "Description", code.description)
        if notes_of is not None:
            for note in notes_of.get(code.guid, []):
                _sub(el, ns, "NoteRef", targetGUID=note)
        _write_codes(el, ns, project, code.guid, notes_of)


def codebook_xml(project: Project) -> bytes:
    """Serialise the codes and code sets of ``project`` as a ``.qdc`` document."""
    ns = CODEBOOK_NS
    root = etree.Element(f"{{{ns}}}CodeBook", nsmap={None: ns})
    root.set("origin", "Parlons")
    codes = _sub(root, ns, "Codes")
    _write_codes(codes, ns, project, None, None)
    code_sets = [s for s in project.sets.values() if s.codes]
    if code_sets:
        sets = _sub(root, ns, "Sets")
        for s in code_sets:
            el = _sub(sets, ns, "Set", guid=s.guid, name=s.name)
            _text_el(el, ns, "Description", s.description)
            for guid in s.codes:
                _sub(el, ns, "MemberCode", guid=guid)
    if not len(codes):
        raise RefiError("a codebook needs at least one code")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def project_xml(project: Project, messages: list[str] | None = None) -> bytes:
    """Serialise ``project`` as ``project.qde`` (text files referenced as ``internal://``)."""
    ns = PROJECT_NS
    messages = messages if messages is not None else []
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})
    for key, value in (
        ("name", project.name),
        ("origin", project.origin),
        ("creatingUserGUID", project.creating_user),
        ("creationDateTime", project.creation_datetime),
        ("modifyingUserGUID", project.modifying_user),
        ("modifiedDateTime", project.modified_datetime),
    ):
        if value is not None:
            root.set(key, value)
    notes_of: dict[str, list[str]] = {}
    for note in project.notes.values():
        for target in note.targets:
            notes_of.setdefault(target, []).append(note.guid)
    if project.users:
        users = _sub(root, ns, "Users")
        for user in project.users.values():
            _sub(users, ns, "User", guid=user.guid, name=user.name, id=user.id)
    if project.codes:
        codes = _sub(_sub(root, ns, "CodeBook"), ns, "Codes")
        _write_codes(codes, ns, project, None, notes_of)
    if project.variables:
        variables = _sub(root, ns, "Variables")
        for var in project.variables.values():
            el = _sub(
                variables, ns, "Variable", guid=var.guid, name=var.name, typeOfVariable=var.type
            )
            _text_el(el, ns, "Description", var.description)

    def values(el: Any, vals: dict[str, Any]) -> None:
        for var_guid, value in vals.items():
            var = project.variables[var_guid]
            vv = _sub(el, ns, "VariableValue")
            _sub(vv, ns, "VariableRef", targetGUID=var_guid)
            tag = next(t for t, k in _VALUE_TAGS.items() if k == var.type)
            _sub(vv, ns, tag).text = _xml_safe(format_value(var.type, value))

    if project.cases:
        cases = _sub(root, ns, "Cases")
        for case in project.cases.values():
            el = _sub(cases, ns, "Case", guid=case.guid, name=case.name)
            _text_el(el, ns, "Description", case.description)
            for guid in case.codes:
                _sub(el, ns, "CodeRef", targetGUID=guid)
            values(el, case.values)
            for guid in case.sources:
                _sub(el, ns, "SourceRef", targetGUID=guid)
            for guid in case.selections:
                _sub(el, ns, "SelectionRef", targetGUID=guid)
            if notes_of.get(case.guid):
                messages.append(
                    msg(
                        "case {name!r}: REFI-QDA cannot attach notes to a case; "
                        "its notes are exported unattached",
                        name=case.name,
                    )
                )
    by_source: dict[str, list[Selection]] = {}
    for selection in project.selections.values():
        by_source.setdefault(selection.source, []).append(selection)
    if project.sources:
        sources = _sub(root, ns, "Sources")
        for source in project.sources.values():
            el = _sub(
                sources,
                ns,
                "TextSource",
                guid=source.guid,
                name=source.name,
                richTextPath=(
                    f"internal://{source.guid}{source.rich_ext}"
                    if source.rich_bytes is not None and source.rich_ext
                    else None
                ),
                plainTextPath=f"internal://{source.guid}.txt",
                creatingUser=source.creating_user,
                creationDateTime=source.creation_datetime,
            )
            _text_el(el, ns, "Description", source.description)
            for sel in by_source.get(source.guid, []):
                sel_el = _sub(
                    el,
                    ns,
                    "PlainTextSelection",
                    guid=sel.guid,
                    name=sel.name,
                    startPosition=str(sel.start),
                    endPosition=str(sel.end),
                    creatingUser=sel.creating_user,
                    creationDateTime=sel.creation_datetime,
                )
                _text_el(sel_el, ns, "Description", sel.description)
                for coding in sel.codings:
                    c_el = _sub(
                        sel_el,
                        ns,
                        "Coding",
                        guid=coding.guid,
                        creatingUser=coding.creating_user,
                        creationDateTime=coding.creation_datetime,
                    )
                    _sub(c_el, ns, "CodeRef", targetGUID=coding.code)
                for note in notes_of.get(sel.guid, []):
                    _sub(sel_el, ns, "NoteRef", targetGUID=note)
            for note in notes_of.get(source.guid, []):
                _sub(el, ns, "NoteRef", targetGUID=note)
            values(el, source.values)
    if project.notes:
        notes = _sub(root, ns, "Notes")
        for note in project.notes.values():
            el = _sub(
                notes,
                ns,
                "Note",
                guid=note.guid,
                name=note.name,
                creatingUser=note.creating_user,
                creationDateTime=note.creation_datetime,
            )
            _text_el(el, ns, "Description", note.description)
            _text_el(el, ns, "PlainTextContent", note.text)
    if project.links:
        links = _sub(root, ns, "Links")
        for link in project.links.values():
            el = _sub(
                links,
                ns,
                "Link",
                guid=link.guid,
                name=link.name,
                direction=link.direction,
                color=link.color,
                originGUID=link.origin,
                targetGUID=link.target,
            )
            for note in notes_of.get(link.guid, []):
                _sub(el, ns, "NoteRef", targetGUID=note)
    if project.sets:
        sets = _sub(root, ns, "Sets")
        for s in project.sets.values():
            el = _sub(sets, ns, "Set", guid=s.guid, name=s.name)
            _text_el(el, ns, "Description", s.description)
            for guid in s.codes:
                _sub(el, ns, "MemberCode", targetGUID=guid)
            for guid in s.sources:
                _sub(el, ns, "MemberSource", targetGUID=guid)
            for guid in s.notes:
                _sub(el, ns, "MemberNote", targetGUID=guid)
    _text_el(root, ns, "Description", project.description)
    for note in notes_of.get(PROJECT, []):
        _sub(root, ns, "NoteRef", targetGUID=note)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=False)


def write_qdpx(project: Project, *, validate: bool = True) -> tuple[bytes, list[str]]:
    """Build a ``.qdpx`` archive; raises :class:`RefiError` if it fails the schema."""
    messages: list[str] = []
    xml = project_xml(project, messages)
    if validate:
        errors = schema_errors(xml, "project")
        if errors:
            raise RefiError(
                "export fails {schema}: {errors}",
                schema="Project.xsd",
                errors="; ".join(errors[:5]),
            )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for source in project.sources.values():
            archive.writestr(f"sources/{source.guid}.txt", source.text.encode("utf-8"))
            if source.rich_bytes is not None and source.rich_ext:
                archive.writestr(f"sources/{source.guid}{source.rich_ext}", source.rich_bytes)
    return buffer.getvalue(), messages


def write_codebook(project: Project, *, validate: bool = True) -> bytes:
    """Build a ``.qdc`` codebook; raises :class:`RefiError` if it fails the schema."""
    xml = codebook_xml(project)
    if validate:
        errors = schema_errors(xml, "codebook")
        if errors:
            raise RefiError(
                "export fails {schema}: {errors}",
                schema="Codebook.xsd",
                errors="; ".join(errors[:5]),
            )
    return xml


def validate_path(path: str | Path) -> tuple[list[str], list[str]]:
    """Schema errors and lenient-reading messages of a ``.qdpx``/``.qde``/``.qdc`` file."""
    path = Path(path)
    data = path.read_bytes()
    if path.suffix.lower() == ".qdpx" or data[:2] == b"PK":
        files = archive_files(data)
        xml = files.get("project.qde") or next(
            (v for k, v in files.items() if k.lower().endswith(".qde")), None
        )
        if xml is None:
            raise RefiError("the archive holds no project.qde")
        kind = "project"
    else:
        xml = data
        kind = "codebook" if b"CodeBook" in data[:2000] else "project"
    errors = schema_errors(xml, kind)
    _, messages = read_path(path)
    return errors, messages
