"""Readers and writers: the Polis export format (CSV) and Parlons' own JSON.

Polis export (one folder per conversation):

* ``comments.csv``: ``comment-id``, ``moderated`` (-1 out, 0 unmoderated, 1 in),
  ``comment-body`` (other columns ignored);
* ``votes.csv``: ``timestamp``, ``comment-id``, ``voter-id``, ``vote`` (1 agree, -1 disagree,
  0 pass), one row per vote event: the latest event per participant and comment counts;
* ``participants-votes.csv``: one row per participant, ``participant``, ``group-id`` (Polis'
  own opinion group), four count columns, then one column per comment id; used for the votes
  when ``votes.csv`` is absent and always for the reference groups.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from parlons.core.opinions.model import Conversation, OpinionsDataError

JSON_FORMAT = "parlons-opinions"
_VOTE_WORDS = {"agree": 1, "disagree": -1, "pass": 0, "1": 1, "-1": -1, "0": 0}
csv.field_size_limit(10_000_000)


def read_conversation(paths: Path | str | Sequence[Path | str]) -> Conversation:
    """Read a conversation from a Polis export folder, Polis CSV files or one JSON file."""
    files = _expand(paths)
    if len(files) == 1 and files[0].suffix.lower() == ".json":
        return read_json(files[0])
    return read_polis_export(files)


def _expand(paths: Path | str | Sequence[Path | str]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise OpinionsDataError("no input file given")
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".json"))
            if not found:
                raise OpinionsDataError(f"{path}: no .csv or .json file in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise OpinionsDataError(f"{path}: no such file or folder")
    return files


def read_polis_export(paths: Path | str | Sequence[Path | str]) -> Conversation:
    """Read the Polis export files found in ``paths`` (a folder or a list of files)."""
    by_name = {p.name.lower(): p for p in _expand(paths)}
    comments = by_name.get("comments.csv")
    votes = by_name.get("votes.csv")
    wide = by_name.get("participants-votes.csv")
    if votes is None and wide is None:
        raise OpinionsDataError(
            "no votes: a Polis export needs votes.csv or participants-votes.csv")
    sids: list[int] = []
    texts: list[str] = []
    moderation: list[int] = []
    if comments is not None:
        sids, texts, moderation = _read_comments(comments)
    title = _read_title(by_name.get("summary.csv"))
    reference: dict[int, int] = {}
    if votes is not None:
        p, s, v, t = _read_vote_events(votes)
        if wide is not None:
            reference = _read_wide(wide)[4]
    else:
        assert wide is not None
        p, s, v, t, reference = _read_wide(wide)
    conv = Conversation.from_events(p, s, v, t, statement_ids=sids, statement_texts=texts,
                                    moderation=moderation, title=title)
    if reference:
        ref = np.array([reference.get(int(pid), -1) for pid in conv.participant_ids.tolist()])
        conv.reference_groups = ref
    return conv


def _rows(path: Path) -> tuple[list[str], Iterable[list[str]], Any]:
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise OpinionsDataError(f"{path}: empty file") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise OpinionsDataError(f"{path}: not a readable CSV file ({exc})") from None
    return [h.strip().lower() for h in header], reader, handle


def _columns(path: Path, header: list[str], names: Sequence[str]) -> list[int]:
    missing = [n for n in names if n not in header]
    if missing:
        raise OpinionsDataError(f"{path.name}: missing column(s) {', '.join(missing)}")
    return [header.index(n) for n in names]


def _int(path: Path, line: int, text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise OpinionsDataError(f"{path.name}, line {line}: bad {what} {text!r}") from None


def _read_comments(path: Path) -> tuple[list[int], list[str], list[int]]:
    header, reader, handle = _rows(path)
    with handle:
        i_id, i_mod = _columns(path, header, ("comment-id", "moderated"))
        i_body = header.index("comment-body") if "comment-body" in header else None
        sids, texts, mods = [], [], []
        try:
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) <= max(i_id, i_mod):
                    raise OpinionsDataError(f"{path.name}, line {line}: too few columns")
                sids.append(_int(path, line, row[i_id], "comment-id"))
                mod = _int(path, line, row[i_mod] or "0", "moderated value")
                if mod not in (-1, 0, 1):
                    raise OpinionsDataError(f"{path.name}, line {line}: moderated must be -1, 0 or 1")
                mods.append(mod)
                texts.append(row[i_body] if i_body is not None and i_body < len(row) else "")
        except (csv.Error, UnicodeDecodeError) as exc:
            raise OpinionsDataError(f"{path.name}: not a readable CSV file ({exc})") from None
    if len(set(sids)) != len(sids):
        raise OpinionsDataError(f"{path.name}: duplicate comment-id")
    order = sorted(range(len(sids)), key=sids.__getitem__)  # statements in id order
    return [sids[i] for i in order], [texts[i] for i in order], [mods[i] for i in order]


def _read_vote_events(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    header, reader, handle = _rows(path)
    with handle:
        idx = _columns(path, header, ("timestamp", "comment-id", "voter-id", "vote"))
    try:  # fast path: NumPy's C parser on the four numeric columns
        table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=idx, dtype=np.float64,
                           ndmin=2, encoding="utf-8-sig")
    except ValueError:
        table = None  # the slow path below reports the offending line
    if table is not None and np.all(table[:, 1:] == np.round(table[:, 1:])):
        t, s, p, v = (table[:, i] for i in range(4))
        if np.isin(v, (-1, 0, 1)).all():
            return p.astype(np.int64), s.astype(np.int64), v.astype(np.int64), t
    header, reader, handle = _rows(path)
    with handle:
        width = max(idx) + 1
        rows = [r for r in reader if r]
    for line, row in enumerate(rows, start=2):
        if len(row) < width:
            raise OpinionsDataError(f"{path.name}, line {line}: too few columns")
    cols = list(zip(*rows, strict=False)) if rows else [()] * width
    arrays = []
    for i, what in zip(idx, ("timestamp", "comment-id", "voter-id", "vote"), strict=True):
        try:
            arrays.append(np.array(cols[i], dtype=np.float64 if i == idx[0] else np.int64))
        except ValueError:
            bad = next(n for n, r in enumerate(rows, start=2) if not _is_number(r[i]))
            raise OpinionsDataError(
                f"{path.name}, line {bad}: bad {what} {rows[bad - 2][i]!r}") from None
    t, s, p, v = arrays
    bad = np.flatnonzero(~np.isin(v, (-1, 0, 1)))
    if bad.size:
        raise OpinionsDataError(
            f"{path.name}, line {bad[0] + 2}: vote must be 1, -1 or 0, not {v[bad[0]]}")
    return p, s, v, t


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_wide(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, None, dict[int, int]]:
    """Parse the wide matrix with NumPy on the raw bytes: cells are the spans between commas
    and newlines; a vote cell is empty, ``1``, ``0`` or ``-1``."""
    try:
        data = path.read_bytes().replace(b"\r", b"")
    except OSError as exc:
        raise OpinionsDataError(f"{path.name}: not readable ({exc})") from None
    data = data.removeprefix(b"\xef\xbb\xbf").strip(b"\n") + b"\n"
    head_end = data.index(b"\n")
    try:
        header_text = data[:head_end].decode("utf-8")
    except UnicodeDecodeError:
        raise OpinionsDataError(f"{path.name}: not a UTF-8 CSV file") from None
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    i_p, i_g = _columns(path, header, ("participant", "group-id"))
    first = header.index("n-disagree") + 1 if "n-disagree" in header else i_g + 1
    try:
        cids = np.array([int(h) for h in header[first:]], dtype=np.int64)
    except ValueError:
        raise OpinionsDataError(f"{path.name}: comment columns must be numeric ids") from None
    width = len(header)
    if b'"' in data[head_end:]:
        raise OpinionsDataError(f"{path.name}: unexpected quoted cell in the vote matrix")
    raw = np.frombuffer(data, dtype=np.uint8)
    is_nl = raw == 10
    delims = np.flatnonzero((raw == 44) | is_nl)
    line_ends = np.flatnonzero(is_nl)
    cells_per_line = np.diff(np.concatenate(([-1], np.searchsorted(delims, line_ends))))
    bad = np.flatnonzero(cells_per_line != width)
    if bad.size:
        raise OpinionsDataError(f"{path.name}, line {bad[0] + 1}: "
                                f"{cells_per_line[bad[0]]} cells, expected {width}")
    starts = np.concatenate(([0], delims[:-1] + 1)).reshape(-1, width)[1:]
    ends = delims.reshape(-1, width)[1:]
    vs, ve = starts[:, first:], ends[:, first:]
    length = ve - vs
    c0 = raw[np.minimum(vs, len(raw) - 1)]
    c1 = raw[np.minimum(vs + 1, len(raw) - 1)]
    agree = (length == 1) & (c0 == ord("1"))
    passed = (length == 1) & (c0 == ord("0"))
    disagree = (length == 2) & (c0 == ord("-")) & (c1 == ord("1"))
    cast = agree | passed | disagree
    wrong = (length > 0) & ~cast
    if wrong.any():
        row = int(np.flatnonzero(wrong.any(axis=1))[0])
        raise OpinionsDataError(f"{path.name}, line {row + 2}: votes must be 1, -1 or 0")
    pids = np.empty(len(starts), dtype=np.int64)
    groups: dict[int, int] = {}
    for r in range(len(starts)):
        pid_text = data[starts[r, i_p]:ends[r, i_p]].decode("ascii", errors="replace")
        pids[r] = _int(path, r + 2, pid_text, "participant")
        group_text = data[starts[r, i_g]:ends[r, i_g]].decode("ascii", errors="replace").strip()
        if group_text:
            groups[int(pids[r])] = _int(path, r + 2, group_text, "group-id")
    values = agree.astype(np.int64) - disagree.astype(np.int64)
    rows, cols = np.nonzero(cast)
    return pids[rows], cids[cols], values[rows, cols], None, groups


def _read_title(path: Path | None) -> str:
    if path is None:
        return ""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2 and row[0].strip().lower() == "topic":
                return row[1]
    return ""


def read_json(path: Path | str) -> Conversation:
    """Read a conversation written by :func:`write_json` (or by hand, same schema)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OpinionsDataError(f"{path.name}: not a readable JSON file ({exc})") from None
    return conversation_from_dict(data, source=path.name)


def conversation_from_dict(data: Any, source: str = "input") -> Conversation:
    """Build a conversation from the JSON schema ``{"statements": [...], "votes": [...]}``."""
    if not isinstance(data, dict) or not isinstance(data.get("votes"), list):
        raise OpinionsDataError(f"{source}: expected an object with a 'votes' list")
    statements = data.get("statements", [])
    if not isinstance(statements, list):
        raise OpinionsDataError(f"{source}: 'statements' must be a list")
    sids, texts, mods, metas = [], [], [], []
    for i, st in enumerate(statements):
        if not isinstance(st, dict) or "id" not in st:
            raise OpinionsDataError(f"{source}: statement #{i + 1} has no 'id'")
        sids.append(st["id"])
        texts.append(str(st.get("text", "")))
        mod = st.get("moderated", 0)
        if mod not in (-1, 0, 1):
            raise OpinionsDataError(f"{source}: statement {st['id']!r}: moderated must be -1, 0 or 1")
        mods.append(mod)
        metas.append(bool(st.get("meta", False)))
    ps, ss, vs, ts = [], [], [], []
    for i, vote in enumerate(data["votes"]):
        if not isinstance(vote, dict) or not {"participant", "statement", "vote"} <= vote.keys():
            raise OpinionsDataError(
                f"{source}: vote #{i + 1} needs 'participant', 'statement' and 'vote'")
        value = _VOTE_WORDS.get(str(vote["vote"]).strip().lower())
        if value is None:
            raise OpinionsDataError(f"{source}: vote #{i + 1}: unknown vote {vote['vote']!r}")
        ps.append(str(vote["participant"]))
        ss.append(vote["statement"])
        vs.append(value)
        ts.append(float(vote.get("time", 0.0)))
    kinds = {type(s) for s in sids + ss}
    if len(kinds) > 1:
        raise OpinionsDataError(f"{source}: statement ids mix numbers and strings")
    return Conversation.from_events(
        np.array(ps, dtype=object).astype(str), ss, vs, ts, statement_ids=sids,
        statement_texts=texts, moderation=mods, is_meta=metas, title=str(data.get("title", "")))


def conversation_to_dict(conv: Conversation) -> dict[str, Any]:
    """The JSON schema read by :func:`conversation_from_dict` (latest votes only)."""
    sids = conv.statement_ids.tolist()
    pids = conv.participant_ids.tolist()
    assert conv.moderation is not None and conv.is_meta is not None
    return {
        "format": JSON_FORMAT,
        "version": 1,
        "title": conv.title,
        "statements": [
            {"id": sid, "text": conv.statement_texts[i], "moderated": int(conv.moderation[i]),
             "meta": bool(conv.is_meta[i])}
            for i, sid in enumerate(sids)
        ],
        "votes": [
            {"participant": str(pids[p]), "statement": sids[s], "vote": int(v)}
            for p, s, v in zip(conv.vote_participant.tolist(), conv.vote_statement.tolist(),
                               conv.vote_value.tolist(), strict=True)
        ],
    }


def write_json(conv: Conversation, path: Path | str) -> None:
    """Write ``conv`` in Parlons' JSON format."""
    Path(path).write_text(json.dumps(conversation_to_dict(conv), ensure_ascii=False),
                          encoding="utf-8")
