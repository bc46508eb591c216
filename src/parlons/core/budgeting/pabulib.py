"""Pabulib reader, writer and validator.

The format has three sections, ``META``, ``PROJECTS`` and ``VOTES``, each opened by its name on
a line of its own and a header row; fields are separated by ``;`` with ``"`` quoting. A byte-order
mark, CRLF line endings and gzip compression (``.gz``) are accepted.
"""

from __future__ import annotations

import codecs
import csv
import gc
import gzip
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from parlons.core.budgeting.fastvotes import plain_keys
from parlons.core.budgeting.model import (
    Instance,
    Number,
    Profile,
    Project,
    Voter,
    merge_ballots,
    merge_points,
    merge_sets,
)

SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(ValueError):
    """A file that cannot be read as Pabulib; the message names the line."""


@dataclass(frozen=True)
class Issue:
    """A validation finding: the line (0 when global), a severity and a message."""

    line: int
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.severity}: {where}{self.message}"


def parse_number(text: str) -> Number:
    """Parse ``12``, ``12.0``, ``12.5`` or ``1e3`` into an int or an exact Fraction."""
    text = text.strip()
    if text.lstrip("+-").isdigit():
        return int(text)
    value = Fraction(text.replace(",", "."))
    return int(value) if value.denominator == 1 else value


def format_number(value: Number) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return repr(float(value))
    return str(value)


def _open_bytes(path: str | Path) -> bytes:
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: reading creates tens of thousands of
    tuples and lists, none in a reference cycle, and the collector would walk them again and
    again (about 7 % of reading Katowice 2020's 39k cumulative ballots)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_pabulib(path: str | Path) -> tuple[Instance, Profile]:
    """Read a ``.pb`` or ``.pb.gz`` file; raises :class:`PabulibError` naming the line.

    When the VOTES section is plain (see :mod:`parlons.core.budgeting.fastvotes`), only the
    META and PROJECTS sections and the distinct ballots are decoded at once; the voters'
    other columns are decoded when first used (``profile.voters``, ``profile.column``,
    writing, validating), and a byte that is not UTF-8 there raises the error then."""
    with _without_cycle_collection():
        return _read(_open_bytes(path))


def _read(data: bytes) -> tuple[Instance, Profile]:
    """:func:`read_pabulib` on the file's bytes."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    head = _votes_head(data, skip)
    if head is not None:  # decode up to the VOTES header only (the fast path needs no more)
        try:
            parsed = _parse(data[skip:head].decode("utf-8"), data, skip, head=True)
        except (PabulibError, csv.Error, UnicodeDecodeError):
            parsed = None  # the whole text tells (and names the line)
        if parsed is not None:
            return parsed
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(data, skip + error.start, 1) from None
    if text.startswith("\ufeff"):  # a second byte-order mark: no byte offsets
        return parse_pabulib(text)
    return _parse(text, data, skip)


def _not_utf8(data: bytes, where: int, first_line: int, start: int = 0) -> PabulibError:
    """The error for a byte at ``where`` that is not UTF-8 (``data[start:]`` begins at line
    ``first_line``)."""
    line = first_line + data.count(b"\n", start, where)
    return PabulibError(f"line {line}: the file is not UTF-8 text (byte {where + 1})")


def _votes_head(data: bytes, skip: int) -> int | None:
    """Where the header line of the VOTES section seems to end (the file's first line that
    is ``VOTES``, then one line), or ``None``; :func:`_parse` checks it (``head=True``)."""
    if data.startswith(codecs.BOM_UTF8, skip):
        return None
    found = data.find(b"VOTES", skip)
    while found >= 0:
        start, end = data.rfind(b"\n", 0, found) + 1, data.find(b"\n", found)
        if end < 0:
            return None
        if data[start:end].strip(b" \t\r") == b"VOTES":
            after = data.find(b"\n", end + 1)
            return None if after < 0 else after + 1
        found = data.find(b"VOTES", end)
    return None


def _int_or_none(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(parse_number(value))
    except (ValueError, ZeroDivisionError):
        return None


def _rows_of(text: str, end: list[int]) -> Iterator[str]:
    """The lines of ``text`` with their line breaks (``\\n``, ``\\r\\n`` or a lone ``\\r``, as
    ``io.StringIO(text, newline="")``), recording in ``end[0]`` the offset after the last
    one given: the VOTES rows are then cut from ``text`` without a copy of the whole text."""
    pos, size = 0, len(text)
    while pos < size:
        stop = text.find("\n", pos)
        stop = size if stop < 0 else stop + 1
        cr = text.find("\r", pos, stop)
        if cr >= 0 and text[cr + 1:cr + 2] != "\n":
            stop = cr + 1
        end[0] = stop
        yield text[pos:stop]
        pos = stop


def parse_pabulib(text: str, fast: bool = True) -> tuple[Instance, Profile]:
    """Parse the text of a Pabulib file (``fast=False``: never the fast path of a plain VOTES
    section, see :mod:`parlons.core.budgeting.fastvotes`; the result is the same)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    with _without_cycle_collection():
        return _parse(text, None, 0, fast)


def _parse(text: str, data: bytes | None, skip: int, fast: bool = True,
           head: bool = False) -> tuple[Instance, Profile] | None:
    """Parse ``text``; ``data``: the bytes it was decoded from, after ``skip`` bytes (a
    byte-order mark), for the fast path of the VOTES section, or ``None`` (encoded then).
    ``head``: ``text`` is decoded only up to the end of the VOTES header line; ``None`` when
    that is not so or the fast path does not apply (then the caller decodes the rest)."""
    end = [0]  # where the csv reader has read up to
    reader = csv.reader(_rows_of(text, end), delimiter=";", quotechar='"')
    section = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    project_columns: list[str] = []
    vote_columns: list[str] = []
    votes: _PlainVotes | tuple[list[str], Sequence[int], list | None] | None = None
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and row[0].strip() == ""):
            continue
        first = row[0].strip()
        if len(row) == 1 and first.upper() in SECTIONS:
            section = first.upper()
            header = None
            continue
        if section is None:
            raise PabulibError(f"line {line}: data before the META section")
        if header is None:
            header = [h.strip() for h in row]
            if section == "PROJECTS":
                project_columns = header
                if "project_id" not in header or "cost" not in header:
                    raise PabulibError(f"line {line}: PROJECTS header needs project_id and cost")
            elif section == "VOTES":
                vote_columns = header
                if "voter_id" not in header or "vote" not in header:
                    raise PabulibError(f"line {line}: VOTES header needs voter_id and vote")
                wanted = _wanted(header, meta.get("vote_type", "approval"))
                if head and (end[0] != len(text) or '"' in text[text.rfind("\n", 0, -1) + 1:]):
                    return None  # not the header line, or it may go on past its line break
                votes = fast and _plain_votes(text, data, skip, end[0], line + 1, len(header),
                                              wanted)
                if not votes:
                    if head:
                        return None
                    votes = _vote_lines(text, end[0], line + 1, len(header), wanted, reader)
                break
            continue
        if section == "META":
            if len(row) < 2:
                raise PabulibError(f"line {line}: META row needs a key and a value")
            meta[row[0].strip()] = ";".join(row[1:]).strip()
        elif section == "PROJECTS":
            if len(row) != len(header):
                raise PabulibError(
                    f"line {line}: {len(row)} fields, the PROJECTS header has {len(header)}"
                )
            fields = dict(zip(header, row, strict=False))
            pid = fields.pop("project_id").strip()
            try:
                cost = parse_number(fields.pop("cost"))
            except (ValueError, ZeroDivisionError):
                raise PabulibError(f"line {line}: cost of project {pid!r} is not a number") from None
            if cost < 0:
                raise PabulibError(f"line {line}: project {pid!r} has a negative cost")
            if pid in projects:
                raise PabulibError(f"line {line}: duplicate project id {pid!r}")
            projects[pid] = Project(pid, cost, fields)
    if head and not isinstance(votes, _PlainVotes):
        return None
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    if section != "VOTES":
        missing = [s for s in SECTIONS if s != section]
        raise PabulibError(f"missing section(s) after {section}: {', '.join(missing)}")
    try:
        budget = parse_number(meta["budget"])
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"META budget is not a number: {meta['budget']!r}") from None
    instance = Instance(meta, budget, projects, project_columns)
    if isinstance(votes, _PlainVotes):
        return instance, _profile_of_plain(instance, vote_columns, votes)
    lines, numbers, keys = votes or ([], [], [])
    return instance, _profile_of_lines(instance, vote_columns, lines, numbers, keys)


def _wanted(columns: list[str], vote_type: str) -> list[int]:
    """Positions of the VOTES columns a ballot needs: vote, and points when they count."""
    with_points = "points" in columns and vote_type in ("cumulative", "scoring")
    return [columns.index("vote")] + ([columns.index("points")] if with_points else [])


def _fields(text: str, width: int, wanted: list[int]) -> list:
    """The ``wanted`` fields of every line of ``text`` that has ``width`` fields (one regular
    expression over the whole section: strings, or tuples in column order)."""
    pattern = ";".join("([^;\n]*)" if j in wanted else "[^;\n]*" for j in range(width))
    return re.findall(f"^{pattern}$", text, re.M)


def _line_fields(lines: list[str], width: int, wanted: list[int]) -> list | None:
    """The ``wanted`` fields of each line (strings, or tuples in column order), or ``None``
    when some line does not have ``width`` fields (C-level counting and splitting: faster
    than :func:`_fields` when the lines are already split)."""
    if lines and set(map(str.count, lines, repeat(";"))) != {width - 1}:
        return None
    cut = max(wanted) + 1
    if len(wanted) == 1:
        j = wanted[0]
        return [line.split(";", cut)[j] for line in lines]
    a, b = sorted(wanted)
    return [(f[a], f[b]) for f in (line.split(";", cut) for line in lines)]


def _split_lines(text: str, start: int) -> list[str] | None:
    """``text[start:]`` split at its LF or CRLF line breaks, or ``None`` when it holds a lone
    CR. When a line break ends at ``start``, the whole text is split and its first lines
    dropped (no copy of the section)."""
    crs = text.count("\r", start)
    sep = "\r\n" if crs else "\n"
    if start and text.startswith(sep, start - len(sep)):
        lines = text.split(sep)[text.count(sep, 0, start):]
    else:
        lines = text[start:].split(sep)
    if not crs or len(lines) - 1 == crs == text.count("\n", start):  # LF or CRLF only
        return lines
    rest = text[start:].replace("\r\n", "\n")
    return None if "\r" in rest else rest.split("\n")


def _vote_lines(text: str, start: int, first_line: int, width: int, wanted: list[int],
                reader: Any) -> tuple[list[str], Sequence[int], list | None]:
    """The VOTES rows (``text`` from ``start``) as ``;``-joined lines without quoting, their
    line numbers and, when every line is well-formed, their ``wanted`` fields (see
    :func:`_fields`).

    Fast path: no quote and no lone CR in the section, so a row is a line. Otherwise each row
    goes through the CSV reader and is written back unquoted (a field holding ``;`` cannot be
    a voter's column value that the model keeps apart, so it is refused)."""
    if text.find('"', start) < 0:
        lines = _split_lines(text, start)
        if lines is not None:  # no lone CR
            if lines and not lines[-1].strip():
                lines.pop()  # after the last line break
            keys = _line_fields(lines, width, wanted)
            if keys is not None:  # every line has the header's width, none is blank
                return lines, range(first_line, first_line + len(lines)), keys
            counts = [line.count(";") for line in lines]
            blank = [i for i, c in enumerate(counts) if c == 0 and not lines[i].strip()]
            if blank:
                keep = sorted(set(range(len(lines))) - set(blank))
                lines = [lines[i] for i in keep]
                counts = [counts[i] for i in keep]
                numbers = [first_line + i for i in keep]
            else:
                numbers = list(range(first_line, first_line + len(lines)))
            if any(c != width - 1 for c in counts):
                i = next(i for i, c in enumerate(counts) if c != width - 1)
                raise PabulibError(f"line {numbers[i]}: {counts[i] + 1} fields, the VOTES "
                                   f"header has {width}")
            return lines, numbers, None
    lines, numbers = [], []
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            raise PabulibError(f"line {line}: {len(row)} fields, the VOTES header has {width}")
        if any(";" in field or "\n" in field or "\r" in field for field in row):
            raise PabulibError(f"line {line}: a VOTES field holds ';' or a line break")
        lines.append(";".join(row))
        numbers.append(line)
    return lines, numbers, None


def _points(raw: str) -> tuple:
    raw = raw.strip()
    return tuple(parse_number(x) for x in raw.split(",")) if raw else ()


def _profile_of_lines(instance: Instance, columns: list[str], lines: list[str],
                      numbers: Sequence[int], keys: list | None = None) -> Profile:
    """Merge identical ballots straight from the VOTES lines: each distinct vote text (and
    points text) is parsed once; ballots keep the order of their first voter. ``keys``: the
    lines' vote (and points) fields when already extracted."""
    wanted = _wanted(columns, instance.vote_type)
    if keys is None:
        keys = _fields("\n".join(lines), len(columns), wanted)
    if len(wanted) == 2 and wanted[1] < wanted[0]:
        keys = [(vote, points) for points, vote in keys]
    counts = Counter(keys)
    distinct = list(counts)
    return _merged_profile(instance, columns, lines, numbers, keys, counts, distinct,
                           lambda k: numbers[keys.index(distinct[k])])


@dataclass
class _PlainVotes:
    """A plain VOTES section (see :mod:`parlons.core.budgeting.fastvotes`): each voter's
    ballot key (bytes of the vote to the points column), the keys' counts, the first
    voter's line and a function giving the section's lines (for the voters, on demand)."""

    keys: list[bytes]
    counts: Counter
    first_line: int
    lines: Callable[[], list[str]]


def _plain_votes(text: str, data: bytes | None, skip: int, start: int, first_line: int,
                 width: int, wanted: list[int]) -> _PlainVotes | None:
    """The fast path of the VOTES section (``text[start:]``), or ``None`` when it is not
    plain. Without ``data`` the section is encoded to UTF-8 first."""
    if data is None:
        try:
            data, offset = text[start - 1:].encode("utf-8"), 1
        except UnicodeEncodeError:  # lone surrogates: the general path keeps them
            return None
    else:
        offset = skip + len(text[:start].encode("utf-8"))
    found = plain_keys(data, offset, width, min(wanted), max(wanted))
    if found is None:
        return None
    keys, counts = found
    return _PlainVotes(keys, counts, first_line, partial(_section_lines, data, offset,
                                                         first_line, len(keys)))


def _section_lines(data: bytes, start: int, first_line: int, count: int) -> list[str]:
    """The ``count`` lines of a plain VOTES section (LF or CRLF line breaks) that starts at
    byte ``start`` of ``data``, on line ``first_line``."""
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(data, start + error.start, first_line, start) from None
    lines = _split_lines(text, 0)
    if lines and not lines[-1]:
        lines.pop()  # after the last line break
    if lines is None or len(lines) != count:  # cannot happen: the section was checked
        raise RuntimeError(f"{count} VOTES lines expected")
    return lines


def _profile_of_plain(instance: Instance, columns: list[str], votes: _PlainVotes) -> Profile:
    """The profile of a plain VOTES section: each distinct key is decoded and parsed once."""
    wanted = _wanted(columns, instance.vote_type)
    first = min(wanted)
    raw = list(votes.counts)
    numbers = range(votes.first_line, votes.first_line + len(votes.keys))
    last = max(wanted) == len(columns) - 1  # a last column keeps the CR of a CRLF line break

    def line_of(k: int) -> int:  # the line of the first voter of the k-th distinct key
        return numbers[votes.keys.index(raw[k])]

    # a line break between keys: none borrows bytes from the next; not UTF-8: read_pabulib
    # then decodes the whole file, which names the line
    decoded = b"\n".join(raw).decode("utf-8")
    if len(wanted) == 1:  # no points: split and merged on first use (see Profile.from_texts)
        profile = Profile.from_texts(instance.vote_type, columns, votes.lines, numbers, raw,
                                     list(votes.counts.values()), partial(_text_sets, last))
        profile.set_voter_keys(votes.keys, {key: k for k, key in enumerate(raw)})
        return profile
    if last and "\r" in decoded:  # (a plain section has no other CR)
        decoded = decoded.replace("\r\n", "\n").removesuffix("\r")
    # each key holds the same number of fields: one split, then every vote and points text
    fields = decoded.replace("\n", ";").split(";") if raw else []
    stride = max(wanted) - first + 1
    distinct = list(zip(fields[wanted[0] - first::stride], fields[wanted[1] - first::stride],
                        strict=True))
    return _merged_profile(instance, columns, votes.lines, numbers, votes.keys, votes.counts,
                           distinct, line_of)


def _text_sets(last: bool, texts: list[bytes]) -> list[tuple[str, ...]]:
    """The projects named by each vote text of a plain section (``last``: the vote column is
    the last one, so a text may end with the CR of a CRLF line break)."""
    distinct = [key.decode("utf-8") for key in texts]
    if last:
        distinct = [key[:-1] if key.endswith("\r") else key for key in distinct]
    return _vote_sets(distinct)


def _merged_profile(instance: Instance, columns: list[str],
                    lines: list[str] | Callable[[], list[str]], numbers: Sequence[int],
                    keys: list, counts: Counter, distinct: list,
                    line_of: Callable[[int], int]) -> Profile:
    """Parse each distinct ballot text once (``distinct[k]``: the vote text, or the (vote,
    points) texts, of the ``k``-th key of ``counts``) and merge; voter ``v`` casts the ballot
    of ``keys[v]``. ``line_of(k)``: the line of the first voter of key ``k``."""
    vote_type = instance.vote_type
    multiplicity = list(counts.values())
    if distinct and isinstance(distinct[0], tuple):
        projects, values = _points_columns(distinct, line_of)
        merged, points, multiplicities, index = merge_points(vote_type, projects, values,
                                                             multiplicity)
    else:
        merged, multiplicities, index = merge_sets(vote_type, _vote_sets(distinct),
                                                   multiplicity)
        points = None
    profile = Profile.from_sets(vote_type, columns, lines, numbers, merged, multiplicities, [],
                                points)
    profile.set_voter_keys(keys, dict(zip(counts, index, strict=True)))
    return profile


#: the ASCII characters that ``str.strip`` removes
_ASCII_BLANKS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _has_blank(text: str) -> bool:
    """Whether ``text`` may hold a character that ``str.strip`` removes (C-level scans for
    ASCII text, else ``isprintable``, which every such character fails but the space)."""
    if not text.isascii():
        return " " in text or not text.isprintable()
    return any(c in text for c in _ASCII_BLANKS)


def _vote_sets(votes: list[str]) -> list[tuple[str, ...]]:
    """The projects named by each vote text (as :func:`_projects`)."""
    if _has_blank("".join(votes)):
        return [_projects(vote) for vote in votes]
    sets = list(map(tuple, map(str.split, votes, repeat(","))))  # the usual case: no blank
    if "" in votes:
        for i, vote in enumerate(votes):
            if not vote:
                sets[i] = ()
    return sets


def _points_columns(distinct: list[tuple[str, str]], line_of: Callable[[int], int]
                    ) -> tuple[list[tuple[str, ...]], list[tuple]]:
    """The projects and the points of each distinct (vote, points) text, each distinct
    points text parsed once; on a malformed one, :func:`_points_entries` names its line."""
    votes, texts = list(map(itemgetter(0), distinct)), list(map(itemgetter(1), distinct))
    projects = _vote_sets(votes)
    try:
        values_of = {text: _points(text) for text in dict.fromkeys(texts)}
    except (ValueError, ZeroDivisionError):
        values_of = None
    if values_of is not None:
        values = list(map(values_of.__getitem__, texts))
        if list(map(len, projects)) == list(map(len, values)):
            return projects, values
    entries = _points_entries(distinct, line_of)  # raises, naming the first bad line
    return [p for p, _ in entries], [x for _, x in entries]


def _points_entries(distinct: list[tuple[str, str]], line_of: Callable[[int], int]
                    ) -> list[tuple[tuple[str, ...], tuple]]:
    """(projects, points) of each distinct (vote, points) text; each distinct vote text and
    points text is parsed once."""
    projects_of: dict[str, tuple[str, ...]] = {}
    points_of: dict[str, tuple] = {}
    entries = []
    for k, (vote, points) in enumerate(distinct):
        projects = projects_of.get(vote)
        if projects is None:
            projects = projects_of[vote] = _projects(vote)
        values = points_of.get(points)
        if values is None:
            try:
                values = points_of[points] = _points(points)
            except (ValueError, ZeroDivisionError):
                raise PabulibError(f"line {line_of(k)}: points {points!r} are not numbers"
                                   ) from None
        if len(values) != len(projects):
            raise PabulibError(f"line {line_of(k)}: {len(projects)} projects but "
                               f"{len(values)} points")
        entries.append((projects, values))
    return entries


def _projects(raw: str) -> tuple[str, ...]:
    raw = raw.strip()
    if not raw:
        return ()
    if " " in raw:
        return tuple(p.strip() for p in raw.split(","))
    return tuple(raw.split(","))


def build_profile(instance: Instance, columns: list[str], voters: list[Voter]) -> Profile:
    """Merge the voters' ballots into a profile."""
    vote_type = instance.vote_type
    with_points = "points" in columns and vote_type in ("cumulative", "scoring")
    entries = []
    for voter in voters:
        projects = _projects(voter.fields.get("vote", ""))
        points = _points(voter.fields.get("points", "")) if with_points else None
        if points is not None and len(points) != len(projects):
            raise PabulibError(f"line {voter.line}: {len(projects)} projects but "
                               f"{len(points)} points")
        entries.append((projects, points))
    ballots, voter_ballot = merge_ballots(vote_type, entries)
    return Profile(vote_type, columns, voters, ballots, voter_ballot)


def _quote_rows(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def write_pabulib(instance: Instance, profile: Profile, path: str | Path | None = None) -> str:
    """Write the instance and profile as Pabulib text (gzip when ``path`` ends in ``.gz``)."""
    rows: list[list[str]] = [["META"], ["key", "value"]]
    rows += [[k, v] for k, v in instance.meta.items()]
    rows += [["PROJECTS"], instance.project_columns]
    for project in instance.projects.values():
        values = {"project_id": project.project_id, "cost": format_number(project.cost)}
        values.update(project.fields)
        rows.append([values.get(c, "") for c in instance.project_columns])
    rows += [["VOTES"], profile.columns]
    for voter in profile.voters:
        rows.append([voter.fields.get(c, "") for c in profile.columns])
    text = _quote_rows(rows)
    if path is not None:
        data = text.encode("utf-8")
        if str(path).endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        Path(path).write_bytes(data)
    return text


def validate(instance: Instance, profile: Profile) -> list[Issue]:
    """Check a parsed file: META counts, ballot limits, voter and project ids, budget overrun."""
    issues: list[Issue] = []
    meta = instance.meta
    n_projects = _int_or_none(meta.get("num_projects"))
    if n_projects is not None and n_projects != len(instance.projects):
        issues.append(Issue(0, "error", f"META num_projects is {n_projects} but "
                            f"PROJECTS lists {len(instance.projects)}"))
    n_votes = _int_or_none(meta.get("num_votes"))
    if n_votes is not None and n_votes != len(profile.voters):
        issues.append(Issue(0, "error", f"META num_votes is {n_votes} but "
                            f"VOTES lists {len(profile.voters)}"))
    if meta.get("vote_type", "approval") not in (
        "approval", "choose-1", "cumulative", "scoring", "ordinal"
    ):
        issues.append(Issue(0, "error", f"unknown vote_type {meta.get('vote_type')!r}"))
    min_len = _int_or_none(meta.get("min_length"))
    max_len = _int_or_none(meta.get("max_length"))
    if meta.get("vote_type") == "choose-1":
        max_len = 1 if max_len is None else max_len
    max_sum_cost = _int_or_none(meta.get("max_sum_cost"))
    max_points = _int_or_none(meta.get("max_sum_points"))
    seen: dict[str, int] = {}
    projects = instance.projects
    for voter, ballot_index in zip(profile.voters, profile.voter_ballot, strict=False):
        ballot = profile.ballots[ballot_index]
        line = voter.line
        if voter.voter_id in seen:
            issues.append(Issue(line, "error", f"duplicate voter id {voter.voter_id!r} "
                                f"(first on line {seen[voter.voter_id]})"))
        else:
            seen[voter.voter_id] = line
        unknown = [p for p in ballot.projects if p not in projects]
        if unknown:
            issues.append(Issue(line, "error", f"voter {voter.voter_id!r} names unknown "
                                f"project(s) {', '.join(unknown)}"))
        if len(set(ballot.projects)) != len(ballot.projects):
            issues.append(Issue(line, "error", f"voter {voter.voter_id!r} names a project twice"))
        length = len(ballot.projects)
        if min_len is not None and length < min_len:
            issues.append(Issue(line, "error", f"voter {voter.voter_id!r} names {length} "
                                f"project(s), fewer than min_length {min_len}"))
        if max_len is not None and length > max_len:
            issues.append(Issue(line, "error", f"voter {voter.voter_id!r} names {length} "
                                f"project(s), more than max_length {max_len}"))
        if max_sum_cost is not None and not unknown:
            spent = sum(projects[p].cost for p in ballot.projects)
            if spent > max_sum_cost:
                issues.append(Issue(line, "error", f"voter {voter.voter_id!r} spends {spent}, "
                                    f"more than max_sum_cost {max_sum_cost}"))
        if max_points is not None and ballot.points is not None and sum(ballot.points) > max_points:
            issues.append(Issue(line, "error", f"voter {voter.voter_id!r} gives "
                                f"{sum(ballot.points)} points, more than max_sum_points "
                                f"{max_points}"))
    selected = [p for p in projects.values() if p.fields.get("selected", "").strip() == "1"]
    spent = sum((p.cost for p in selected), 0)
    if selected and spent > instance.budget:
        issues.append(Issue(0, "warning", f"selected projects cost {spent}, more than the "
                            f"budget {instance.budget}"))
    return issues
