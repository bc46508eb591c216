"""Pseudonymisation: consistent replacement of names and places across a whole project.

:func:`pseudonymise` returns a new project and a *key*: the exact list of replaced spans and the
original values of every changed field. Without the key the original text cannot be rebuilt (a
pseudonym may also occur as an ordinary word); with it, :func:`restore` gives the original project
back, offsets included. The owner keeps the key apart from the project, optionally encrypted with a
passphrase (:func:`lock_key`/:func:`unlock_key`: PBKDF2-HMAC-SHA256, an HMAC-SHA256 keystream and
an HMAC tag, standard library only).

Selection boundaries are remapped: a boundary before, after or between replacements shifts by the
length difference; a boundary inside a replaced name snaps to the start (selection start) or the
end (selection end) of the pseudonym.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable
from typing import Any

from parlons.core.qda.messages import QdaError
from parlons.core.qda.model import Project, selection_name
from parlons.core.qda.transcripts import detect_turns

KEY_VERSION = 1


def _pattern(replacements: dict[str, str], whole_words: bool) -> re.Pattern[str]:
    names = sorted((n for n in replacements if n), key=len, reverse=True)
    if not names:
        raise QdaError("the replacement list is empty")
    body = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if whole_words else body)


def _replace(
    text: str, pattern: re.Pattern[str], replacements: dict[str, str]
) -> tuple[str, list[list[Any]]]:
    """New text and spans ``[old_start, old_end, new_start, new_end, original]``."""
    out: list[str] = []
    spans: list[list[Any]] = []
    last = 0
    shift = 0
    for match in pattern.finditer(text):
        out.append(text[last : match.start()])
        new = replacements[match.group(0)]
        new_start = match.start() + shift
        spans.append([match.start(), match.end(), new_start, new_start + len(new), match.group(0)])
        out.append(new)
        shift += len(new) - (match.end() - match.start())
        last = match.end()
    out.append(text[last:])
    return "".join(out), spans


def _mapper(spans: list[list[Any]]) -> Any:
    starts = [s[0] for s in spans]

    def remap(pos: int, is_end: bool) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        old_start, old_end, new_start, new_end, _ = spans[i]
        if pos == old_start:
            return new_start
        if pos < old_end:
            return new_end if is_end else new_start
        return pos - old_end + new_end

    return remap


def _sub_field(value: str | None, pattern: re.Pattern[str], table: dict[str, str]) -> str | None:
    if value is None:
        return None
    return pattern.sub(lambda m: table[m.group(0)], value)


def pseudonymise(
    project: Project,
    replacements: dict[str, str] | Iterable[tuple[str, str]],
    *,
    whole_words: bool = True,
) -> tuple[Project, dict[str, Any]]:
    """Replace every listed name in sources, notes, names and descriptions; returns (copy, key)."""
    table = dict(replacements)
    pattern = _pattern(table, whole_words)
    result = copy.deepcopy(project)
    key: dict[str, Any] = {"version": KEY_VERSION, "sources": {}, "fields": {}}

    def field(kind: str, obj: Any, attr: str) -> None:
        old = getattr(obj, attr)
        new = _sub_field(old, pattern, table)
        if new != old:
            key["fields"][f"{kind}:{obj.guid}:{attr}"] = old
            setattr(obj, attr, new)

    for source in result.sources.values():
        new_text, spans = _replace(source.text, pattern, table)
        entry: dict[str, Any] = {"spans": [s[2:] for s in spans], "selections": {}}
        if spans:
            remap = _mapper(spans)
            for selection in result.selections.values():
                if selection.source != source.guid:
                    continue
                entry["selections"][selection.guid] = [
                    selection.start,
                    selection.end,
                    selection.name,
                ]
                selection.start = remap(selection.start, False)
                selection.end = remap(selection.end, True)
                selection.name = selection_name(new_text[selection.start : selection.end])
            source.text = new_text
            source.turns = detect_turns(new_text)
        if source.rich_bytes is not None:
            entry["rich_dropped"] = True
            source.rich_bytes, source.rich_ext = None, None
        key["sources"][source.guid] = entry
        field("source", source, "name")
        field("source", source, "description")
    for note in result.notes.values():
        field("note", note, "text")
        field("note", note, "name")
    for case in result.cases.values():
        field("case", case, "name")
        field("case", case, "description")
        for var_guid, value in list(case.values.items()):
            if isinstance(value, str):
                new = _sub_field(value, pattern, table)
                if new != value:
                    key["fields"][f"value:{case.guid}:{var_guid}"] = value
                    case.values[var_guid] = new
    for selection in result.selections.values():
        field("selection", selection, "description")
    for code in result.codes.values():
        field("code", code, "description")
    for item in result.sets.values():
        field("set", item, "description")
    old_description = result.description
    result.description = _sub_field(old_description, pattern, table)
    if result.description != old_description:
        key["fields"]["project::description"] = old_description
    return result, key


def restore(project: Project, key: dict[str, Any]) -> Project:
    """Undo :func:`pseudonymise` with its key (the rich-text files stay dropped)."""
    if key.get("version") != KEY_VERSION:
        raise QdaError("unknown pseudonymisation key version")
    result = copy.deepcopy(project)
    for guid, entry in key["sources"].items():
        source = result.sources.get(guid)
        if source is None:
            continue
        text = source.text
        for new_start, new_end, original in reversed(entry["spans"]):
            text = text[:new_start] + original + text[new_end:]
        if entry["spans"]:
            source.text = text
            source.turns = detect_turns(text)
        for sel_guid, (start, end, name) in entry["selections"].items():
            if sel_guid in result.selections:
                selection = result.selections[sel_guid]
                selection.start, selection.end, selection.name = start, end, name
    collections: dict[str, dict[str, Any]] = {
        "source": result.sources,
        "note": result.notes,
        "case": result.cases,
        "selection": result.selections,
        "code": result.codes,
        "set": result.sets,
    }
    for ref, original in key["fields"].items():
        kind, guid, attr = ref.split(":", 2)
        if kind == "project":
            result.description = original
        elif kind == "value":
            if guid in result.cases:
                result.cases[guid].values[attr] = original
        elif guid in collections[kind]:
            setattr(collections[kind][guid], attr, original)
    return result


# ---------------------------------------------------------------------------------------
# passphrase protection of the key
# ---------------------------------------------------------------------------------------

_MAGIC = b"PQK1"
_ITERATIONS = 200_000


def _keys(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    material = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, _ITERATIONS, 64)
    return material[:32], material[32:]


def _stream(enc_key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(enc_key, nonce + counter.to_bytes(8, "big"), "sha256").digest())
    return b"".join(blocks)[:length]


def lock_key(key: dict[str, Any], passphrase: str) -> bytes:
    """Encrypt and authenticate a key with a passphrase."""
    plain = json.dumps(key, ensure_ascii=False).encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(16)
    enc_key, mac_key = _keys(passphrase, salt)
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(enc_key, nonce, len(plain)), strict=True))
    tag = hmac.new(mac_key, _MAGIC + salt + nonce + cipher, "sha256").digest()
    return _MAGIC + salt + nonce + tag + cipher


def unlock_key(blob: bytes, passphrase: str) -> dict[str, Any]:
    """Decrypt a key written by :func:`lock_key`; ``ValueError`` on a wrong passphrase."""
    if not blob.startswith(_MAGIC) or len(blob) < 68:
        raise QdaError("not a locked pseudonymisation key")
    salt, nonce, tag, cipher = blob[4:20], blob[20:36], blob[36:68], blob[68:]
    enc_key, mac_key = _keys(passphrase, salt)
    expected = hmac.new(mac_key, _MAGIC + salt + nonce + cipher, "sha256").digest()
    if not hmac.compare_digest(tag, expected):
        raise QdaError("wrong passphrase or damaged key")
    plain = bytes(a ^ b for a, b in zip(cipher, _stream(enc_key, nonce, len(cipher)), strict=True))
    return json.loads(plain.decode("utf-8"))
