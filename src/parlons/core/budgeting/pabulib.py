"""Pabulib reader, writer and validator.

The format has three sections, ``META``, ``PROJECTS`` and ``VOTES``, each opened by its name on
a line of its own and a header row; fields are separated by ``;`` with ``"`` quoting. A byte-order
mark, CRLF line endings and gzip compression (``.gz``) are accepted.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from parlons.core.budgeting.model import Instance, Number, Profile, Project, Voter, merge_ballots

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


def _open_text(path: str | Path) -> str:
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8-sig")
    return text


def read_pabulib(path: str | Path) -> tuple[Instance, Profile]:
    """Read a ``.pb`` or ``.pb.gz`` file; raises :class:`PabulibError` naming the line."""
    return parse_pabulib(_open_text(path))


def _int_or_none(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(parse_number(value))
    except (ValueError, ZeroDivisionError):
        return None


def parse_pabulib(text: str) -> tuple[Instance, Profile]:
    """Parse the text of a Pabulib file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    section = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    project_columns: list[str] = []
    vote_columns: list[str] = []
    voters: list[Voter] = []
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
        else:
            _read_votes(reader, header, row, line, voters)
            break
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    if section != "VOTES" and not voters:
        missing = [s for s in SECTIONS if s != section]
        raise PabulibError(f"missing section(s) after {section}: {', '.join(missing)}")
    try:
        budget = parse_number(meta["budget"])
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"META budget is not a number: {meta['budget']!r}") from None
    instance = Instance(meta, budget, projects, project_columns)
    profile = build_profile(instance, vote_columns, voters)
    return instance, profile


def _read_votes(reader, header: list[str], first: list[str], line: int,
                voters: list[Voter]) -> None:
    """Tight loop over the VOTES rows (the bulk of a file)."""
    width = len(header)
    id_col = header.index("voter_id")
    row = first
    while True:
        blank = not row or (len(row) == 1 and not row[0].strip())
        if len(row) != width and not blank:
            raise PabulibError(f"line {line}: {len(row)} fields, the VOTES header has {width}")
        else:
            voters.append(Voter(row[id_col].strip(), dict(zip(header, row, strict=False)), line))
        row = next(reader, None)
        if row is None:
            return
        line = reader.line_num


def _ballot_of(voter: Voter, with_points: bool) -> tuple[tuple[str, ...], tuple | None]:
    raw = voter.fields.get("vote", "").strip()
    if not raw:
        projects: tuple[str, ...] = ()
    elif " " in raw:
        projects = tuple(p.strip() for p in raw.split(","))
    else:
        projects = tuple(raw.split(","))
    if not with_points:
        return projects, None
    raw_points = voter.fields.get("points", "").strip()
    points = tuple(parse_number(x) for x in raw_points.split(",")) if raw_points else ()
    if len(points) != len(projects):
        raise PabulibError(
            f"line {voter.line}: {len(projects)} projects but {len(points)} points"
        )
    return projects, points


def build_profile(instance: Instance, columns: list[str], voters: list[Voter]) -> Profile:
    """Merge the voters' ballots into a profile."""
    vote_type = instance.vote_type
    with_points = "points" in columns and vote_type in ("cumulative", "scoring")
    entries = [_ballot_of(v, with_points) for v in voters]
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
