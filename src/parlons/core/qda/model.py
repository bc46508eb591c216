"""Data model of a qualitative-analysis project, close to REFI-QDA 1.0.

Texts are immutable Python strings; every offset is a Unicode code point index and a selection
covers the half-open interval ``[start, end)``. :func:`to_utf16` and :func:`to_utf8` convert an
offset for browsers (UTF-16 code units) and for byte-oriented tools (UTF-8 bytes).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from parlons.core.qda.messages import QdaError, QdaLookupError

#: Target used by notes attached to the project itself.
PROJECT = "project"

VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")

_NAMESPACE = uuid.UUID("8b0c6a3e-2f4b-4f43-9a39-7d1a0f1e6c55")


def new_guid(seed: str | None = None) -> str:
    """A new upper-case GUID; deterministic (uuid5) when ``seed`` is given."""
    value = uuid.uuid5(_NAMESPACE, seed) if seed is not None else uuid.uuid4()
    return str(value).upper()


def to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset in ``text`` to UTF-16 code units."""
    prefix = text[:offset]
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def from_utf16(text: str, units: int) -> int:
    """Convert a UTF-16 code-unit offset in ``text`` back to code points."""
    count = 0
    for index, ch in enumerate(text):
        if count >= units:
            return index
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def to_utf8(text: str, offset: int) -> int:
    """Convert a code-point offset in ``text`` to UTF-8 bytes."""
    return len(text[:offset].encode("utf-8"))


def from_utf8(text: str, byte_offset: int) -> int:
    """Convert a UTF-8 byte offset in ``text`` back to code points."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


@dataclass
class User:
    guid: str
    name: str | None = None
    id: str | None = None


@dataclass
class Code:
    """A code; ``parent`` is the GUID of the parent code (None at the top level)."""

    guid: str
    name: str
    is_codable: bool = True
    color: str | None = None
    description: str | None = None
    parent: str | None = None


@dataclass
class Variable:
    guid: str
    name: str
    type: str = "Text"
    description: str | None = None


@dataclass
class Case:
    """A case (usually one interviewee) with typed variable values keyed by variable GUID."""

    guid: str
    name: str | None = None
    description: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class Turn:
    """A speaker turn: ``[start, end)`` of the spoken text, timestamp in seconds if known."""

    speaker: str
    start: int
    end: int
    time: float | None = None


@dataclass
class Source:
    """A text source; ``text`` must never change once selections point into it."""

    guid: str
    name: str
    text: str
    description: str | None = None
    rich_ext: str | None = None
    rich_bytes: bytes | None = field(default=None, repr=False)
    creating_user: str | None = None
    creation_datetime: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list, compare=False)


@dataclass
class Coding:
    guid: str
    code: str
    creating_user: str | None = None
    creation_datetime: str | None = None


@dataclass
class Selection:
    """A plain-text selection ``[start, end)`` of a source, carrying codings."""

    guid: str
    source: str
    start: int
    end: int
    name: str | None = None
    description: str | None = None
    creating_user: str | None = None
    creation_datetime: str | None = None
    codings: list[Coding] = field(default_factory=list)

    def coder(self, coding: Coding | None = None) -> str | None:
        """The user GUID of a coding, falling back to the selection's creator."""
        if coding is not None and coding.creating_user:
            return coding.creating_user
        return self.creating_user


@dataclass
class Note:
    """A memo; ``targets`` lists the GUIDs it is attached to (:data:`PROJECT` for the project)."""

    guid: str
    name: str | None = None
    text: str = ""
    description: str | None = None
    creating_user: str | None = None
    creation_datetime: str | None = None
    targets: list[str] = field(default_factory=list)


@dataclass
class Set:
    guid: str
    name: str
    description: str | None = None
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Link:
    guid: str
    origin: str
    target: str
    name: str | None = None
    direction: str | None = None
    color: str | None = None


@dataclass
class Project:
    """A whole project; every collection is a GUID-keyed dict in document order."""

    name: str = "Parlons project"
    origin: str | None = "Parlons"
    description: str | None = None
    creating_user: str | None = None
    creation_datetime: str | None = None
    modifying_user: str | None = None
    modified_datetime: str | None = None
    users: dict[str, User] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    selections: dict[str, Selection] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    sets: dict[str, Set] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)

    # -- codes ---------------------------------------------------------------------------
    def code_path(self, guid: str, sep: str = "/") -> str:
        """Full hierarchical name of a code, e.g. ``Freins/Horaires``."""
        parts = []
        seen = set()
        current: str | None = guid
        while current is not None and current not in seen:
            seen.add(current)
            code = self.codes[current]
            parts.append(code.name)
            current = code.parent
        return sep.join(reversed(parts))

    def code_by_path(self, path: str) -> Code:
        """Find a code by its full path or, if unique, by its bare name."""
        for guid, code in self.codes.items():
            if self.code_path(guid) == path:
                return code
        matches = [c for c in self.codes.values() if c.name == path]
        if len(matches) == 1:
            return matches[0]
        raise QdaLookupError("no code named {path!r}", path=path)

    def children(self, guid: str | None) -> list[Code]:
        return [c for c in self.codes.values() if c.parent == guid]

    def descendants(self, guid: str) -> list[str]:
        """GUIDs of ``guid`` and every code below it."""
        out = [guid]
        for child in self.children(guid):
            out.extend(self.descendants(child.guid))
        return out

    # -- users, variables, cases ------------------------------------------------------------
    def user_guid(self, ref: str) -> str:
        """Resolve a user by GUID, id or name."""
        for user in self.users.values():
            if ref in (user.guid, user.id, user.name):
                return user.guid
        raise QdaLookupError("no user {ref!r}", ref=ref)

    def user_label(self, guid: str | None) -> str:
        if guid is None or guid not in self.users:
            return ""
        user = self.users[guid]
        return user.id or user.name or guid

    def variable_by_name(self, name: str) -> Variable:
        for variable in self.variables.values():
            if variable.name == name or variable.guid == name:
                return variable
        folded = name.casefold()
        for variable in self.variables.values():
            if variable.name.casefold() == folded:
                return variable
        raise QdaLookupError("no attribute {name!r}", name=name)

    def cases_of_source(self, source_guid: str) -> list[str]:
        return [c.guid for c in self.cases.values() if source_guid in c.sources]

    def cases_of_selection(self, selection: Selection) -> list[str]:
        out = [c.guid for c in self.cases.values() if selection.guid in c.selections]
        for case_guid in self.cases_of_source(selection.source):
            if case_guid not in out:
                out.append(case_guid)
        return out

    def selection_text(self, selection: Selection) -> str:
        return self.sources[selection.source].text[selection.start : selection.end]

    # -- editing helpers ----------------------------------------------------------------
    def add_code(
        self,
        name: str,
        parent: str | None = None,
        *,
        is_codable: bool = True,
        color: str | None = None,
        description: str | None = None,
        guid: str | None = None,
    ) -> Code:
        code = Code(guid or new_guid(), name, is_codable, color, description, parent)
        self.codes[code.guid] = code
        return code

    def code_text(
        self,
        source_guid: str,
        start: int,
        end: int,
        code_guid: str,
        user: str | None = None,
        *,
        when: str | None = None,
    ) -> Selection:
        """Code ``[start, end)`` of a source; reuses an identical selection of the same user."""
        source = self.sources[source_guid]
        if not 0 <= start < end <= len(source.text):
            raise QdaError(
                "selection [{start}, {end}) outside the text of {name!r}",
                start=start,
                end=end,
                name=source.name,
            )
        if not self.codes[code_guid].is_codable:
            raise QdaError("code {name!r} is not codable", name=self.codes[code_guid].name)
        when = when or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for selection in self.selections.values():
            if (selection.source, selection.start, selection.end) == (source_guid, start, end) and (
                selection.creating_user == user
            ):
                break
        else:
            snippet = source.text[start:end]
            selection = Selection(
                new_guid(),
                source_guid,
                start,
                end,
                selection_name(snippet),
                creating_user=user,
                creation_datetime=when,
            )
            self.selections[selection.guid] = selection
        if all(c.code != code_guid for c in selection.codings):
            selection.codings.append(Coding(new_guid(), code_guid, user, when))
        return selection


def selection_name(snippet: str, limit: int = 60) -> str:
    """The conventional ``name`` of a selection: the start of its text."""
    snippet = " ".join(snippet.split())
    return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"
