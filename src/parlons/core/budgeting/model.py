"""Data model of a participatory-budgeting election: instance, projects and merged ballots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter, lt

Number = int | Fraction

_FIRST, _SECOND = itemgetter(0), itemgetter(1)

#: Ballot types of the Pabulib format.
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")


@dataclass
class Project:
    """A project: identifier, cost and every other column of the PROJECTS section, as text."""

    project_id: str
    cost: Number
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fields.get("name", self.project_id)

    @property
    def categories(self) -> list[str]:
        raw = self.fields.get("category", "")
        return [c.strip() for c in raw.split(",") if c.strip()]


@dataclass
class Instance:
    """The META section (every key, as text), the budget and the projects in file order."""

    meta: dict[str, str]
    budget: Number
    projects: dict[str, Project]
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    def cost(self, project_ids: list[str] | tuple[str, ...]) -> Number:
        """Total cost of the given projects."""
        return sum((self.projects[p].cost for p in project_ids), 0)


@dataclass
class Voter:
    """One row of the VOTES section: voter id, every column as text, and its line in the file."""

    voter_id: str
    fields: dict[str, str]
    line: int = 0


@dataclass(frozen=True)
class Ballot:
    """A distinct ballot: the projects it names (file order for ordinal ballots, sorted
    otherwise), the points given to each (cumulative/scoring) and how many voters cast it."""

    projects: tuple[str, ...]
    points: tuple[int | Fraction, ...] | None
    multiplicity: int


class Profile:
    """The votes: raw voter rows (for writing back and ballot-level columns such as a district)
    and the identical ballots merged with a multiplicity.

    ``voter_ballot`` gives, for each voter row, the index of its merged ballot in ``ballots``.
    A profile read from a file builds its :class:`Voter` rows only when ``voters`` is first
    used (tallying needs the merged ballots only)."""

    def __init__(self, vote_type: str, columns: list[str], voters: list[Voter],
                 ballots: list[Ballot], voter_ballot: list[int]) -> None:
        self.vote_type = vote_type
        self.columns = columns
        self._voter_ballot: list[int] | None = voter_ballot
        #: for a profile read from a file: each voter's ballot key and the keys' ballot
        #: indexes, from which ``voter_ballot`` is built on first use
        self._voter_keys: tuple[list, dict] | None = None
        self._ballots: list[Ballot] | None = ballots
        #: the distinct ballots as columns (projects, multiplicities), for ballots without
        #: points read from a file: the :class:`Ballot` objects are built on first use only
        self._sets: tuple[list[tuple[str, ...]], list[int]] | None = None
        #: with ``_sets``: the points of each distinct ballot (cumulative and scoring files)
        self._set_points: list[tuple] | None = None
        #: ballots without points read from a file, not yet split into projects nor merged:
        #: the distinct vote texts (bytes, as in the file), each one's count of voters and the
        #: function splitting texts into projects (see :meth:`pending_texts`)
        self._texts: tuple[list[bytes], list[int], Callable[[list[bytes]],
                                                             list[tuple[str, ...]]]] | None = None
        #: how the pending texts merge, when the caller found it (see
        #: :meth:`set_text_ballots`): each text's ballot (``None``: its own) and each
        #: ballot's multiplicity
        self._text_ballots: tuple[list[int] | None, list[int]] | None = None
        self._voters: list[Voter] | None = voters
        #: the voters' ``;``-joined rows (or a function giving them) and their line numbers
        self._rows: tuple[list[str] | Callable[[], list[str]], Sequence[int]] | None = None

    @property
    def voter_ballot(self) -> list[int]:
        self._settle()
        if self._voter_ballot is None:
            keys, index = self._voter_keys or ([], {})
            self._voter_ballot, self._voter_keys = list(map(index.__getitem__, keys)), None
        return self._voter_ballot

    @voter_ballot.setter
    def voter_ballot(self, value: list[int]) -> None:
        self._voter_ballot, self._voter_keys = value, None

    def pending_texts(self) -> tuple[list[bytes], list[int]] | None:
        """For a profile read from a file with ballots without points, before anything used
        its ballots: the distinct vote texts (bytes of the ``vote`` column, the last column
        keeping the CR of a CRLF line break) and each one's count of voters; else ``None``.
        Two texts may name the same ballot (``2,1`` and ``1,2``): the ballots are the texts
        split and merged, on first use, unless :meth:`set_text_ballots` said how."""
        return None if self._texts is None else (self._texts[0], self._texts[1])

    def set_text_ballots(self, ballot_of: list[int] | None, multiplicities: list[int]) -> None:
        """Record how the pending texts merge, as the caller checked it: text ``k`` is the
        distinct ballot ``ballot_of[k]`` (ballots numbered in the order of their first text;
        ``None``: each text is its own ballot), and ballot ``b`` has ``multiplicities[b]``
        voters. The ballots are then the texts split (the first text of each, its projects
        sorted but for ordinal ballots), without merging them again."""
        if self._texts is not None:
            self._text_ballots = (ballot_of, multiplicities)

    def _settle(self) -> None:
        """Split (and merge, unless the merge is known) the pending texts into ballots."""
        if self._texts is None:
            return
        texts, counts, split = self._texts
        if self._text_ballots is not None and self._text_ballots[0] is None:
            self._sets, index = (split(texts), self._text_ballots[1]), None
        elif self._text_ballots is not None:
            index, multiplicities = self._text_ballots
            firsts = []  # the first text of each ballot (numbered in order of first text)
            for k, ballot in enumerate(index):
                if ballot == len(firsts):
                    firsts.append(k)
            sets = split([texts[k] for k in firsts])
            if self.vote_type != "ordinal":
                sets = list(map(tuple, map(sorted, sets)))
            self._sets = (sets, multiplicities)
        else:
            merged, multiplicities, index = merge_sets(self.vote_type, split(texts), counts)
            self._sets = (merged, multiplicities)
        if index is not None and self._voter_keys is not None:
            keys, where = self._voter_keys
            self._voter_keys = (keys, dict(zip(where, map(index.__getitem__, where.values()),
                                               strict=True)))
        self._texts, self._ballots, self._set_points = None, None, None

    def set_voter_keys(self, keys: list, index: dict) -> None:
        """Give ``voter_ballot`` lazily: voter ``v`` casts ballot ``index[keys[v]]``."""
        self._voter_ballot, self._voter_keys = None, (keys, index)

    def _row_lines(self) -> list[str]:
        lines = self._rows[0] if self._rows is not None else []
        if callable(lines):
            lines = lines()
            self._rows = (lines, self._rows[1])
        return lines

    @property
    def ballots(self) -> list[Ballot]:
        self._settle()
        if self._ballots is None:
            sets, counts = self._sets or ([], [])
            points = self._set_points or [None] * len(sets)
            self._ballots = [_ballot(p, x, c)
                             for p, x, c in zip(sets, points, counts, strict=True)]
        return self._ballots

    @ballots.setter
    def ballots(self, value: list[Ballot]) -> None:
        self._ballots, self._sets, self._set_points = value, None, None
        self._texts = None

    def ballot_projects(self) -> list[tuple[str, ...]]:
        """The projects named on each distinct ballot (as ``ballots[i].projects``)."""
        self._settle()
        if self._sets is not None:
            return self._sets[0]
        return [b.projects for b in self.ballots]

    def ballot_points(self) -> list[tuple | None]:
        """The points of each distinct ballot (as ``ballots[i].points``)."""
        self._settle()
        if self._sets is not None:
            return self._set_points or [None] * len(self._sets[0])
        return [b.points for b in self.ballots]

    def multiplicities(self) -> list[int]:
        """How many voters cast each distinct ballot (as ``ballots[i].multiplicity``)."""
        if self._texts is not None and self._text_ballots is not None:
            return self._text_ballots[1]
        self._settle()
        if self._sets is not None:
            return self._sets[1]
        return [b.multiplicity for b in self.ballots]

    @property
    def num_ballots(self) -> int:
        """The number of distinct ballots."""
        if self._texts is not None and self._text_ballots is not None:
            return len(self._text_ballots[1])
        self._settle()
        return len(self._sets[0]) if self._sets is not None else len(self.ballots)

    @classmethod
    def from_lines(cls, vote_type: str, columns: list[str],
                   lines: list[str] | Callable[[], list[str]], line_numbers: Sequence[int],
                   ballots: list[Ballot], voter_ballot: list[int]) -> Profile:
        """A profile whose voters are the ``;``-separated ``lines`` (no quoting), built lazily
        (``lines`` may be a function giving them, called on first use)."""
        profile = cls(vote_type, columns, [], ballots, voter_ballot)
        profile._voters = None
        profile._rows = (lines, line_numbers)
        return profile

    @classmethod
    def from_sets(cls, vote_type: str, columns: list[str],
                  lines: list[str] | Callable[[], list[str]],
                  line_numbers: Sequence[int], sets: list[tuple[str, ...]], counts: list[int],
                  voter_ballot: list[int], points: list[tuple] | None = None) -> Profile:
        """:meth:`from_lines` with the distinct ballots given as columns: projects,
        multiplicities and, for ballots with points, ``points``."""
        profile = cls.from_lines(vote_type, columns, lines, line_numbers, [], voter_ballot)
        profile._ballots, profile._sets, profile._set_points = None, (sets, counts), points
        return profile

    @classmethod
    def from_texts(cls, vote_type: str, columns: list[str],
                   lines: list[str] | Callable[[], list[str]], line_numbers: Sequence[int],
                   texts: list[bytes], counts: list[int],
                   split: Callable[[list[bytes]], list[tuple[str, ...]]]) -> Profile:
        """:meth:`from_lines` with ballots without points given as their distinct vote
        texts, counts and the function splitting texts into projects (see
        :meth:`pending_texts`); ``voter_ballot`` must then be given by :meth:`set_voter_keys`
        with the texts' indexes."""
        profile = cls.from_lines(vote_type, columns, lines, line_numbers, [], [])
        profile._ballots, profile._texts = None, (texts, counts, split)
        return profile

    @property
    def voters(self) -> list[Voter]:
        if self._voters is None:
            lines = self._row_lines()
            numbers = self._rows[1] if self._rows is not None else []
            columns = self.columns
            id_col = columns.index("voter_id")
            voters = []
            for line, number in zip(lines, numbers, strict=True):
                row = line.split(";")
                voters.append(Voter(row[id_col].strip(), dict(zip(columns, row, strict=True)),
                                    number))
            self._voters, self._rows = voters, None
        return self._voters

    @voters.setter
    def voters(self, value: list[Voter]) -> None:
        self._voters, self._rows = value, None

    def column(self, name: str) -> list[str]:
        """Each voter's value in a VOTES column (``""`` when the column is missing)."""
        if name not in self.columns:
            return [""] * len(self.voter_ballot)
        if self._rows is not None:
            i = self.columns.index(name)
            return [line.split(";")[i] for line in self._row_lines()]
        return [v.fields.get(name, "") for v in self.voters]

    @property
    def num_voters(self) -> int:
        return sum(self.multiplicities())

    def _key(self) -> tuple:
        return (self.vote_type, self.columns, self.voters, self.ballots, self.voter_ballot)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Profile(vote_type={self.vote_type!r}, columns={self.columns!r}, "
                f"voters={len(self.voter_ballot)}, ballots={self.num_ballots})")


def merge_ballots(
    vote_type: str, entries: list[tuple[tuple[str, ...], tuple | None]],
    multiplicities: list[int] | None = None,
) -> tuple[list[Ballot], list[int]]:
    """Merge identical ballots; returns the distinct ballots and each entry's ballot index
    (each entry counts ``multiplicities[i]`` voters, 1 by default)."""
    if all(points is None for _, points in entries):
        return _merge_sets(vote_type, [projects for projects, _ in entries], multiplicities)
    index: dict[tuple, int] = {}
    counts: list[int] = []
    keys: list[tuple] = []
    voter_ballot: list[int] = []
    ordered = vote_type == "ordinal"
    for e, (projects, points) in enumerate(entries):
        if points is None:
            key = (projects if ordered else tuple(sorted(projects)), None)
        else:
            key = _points_key(projects, points, ordered)
        i = index.get(key)
        if i is None:
            i = len(keys)
            index[key] = i
            keys.append(key)
            counts.append(0)
        counts[i] += 1 if multiplicities is None else multiplicities[e]
        voter_ballot.append(i)
    ballots = [_ballot(k[0], k[1], c) for k, c in zip(keys, counts, strict=False)]
    return ballots, voter_ballot


def _points_key(projects: Sequence[str], points: Sequence, ordered: bool) -> tuple:
    """(projects, points) of a ballot with points as tuples: pairs sorted by project unless
    ``ordered``, cut to the shorter of the two."""
    if len(projects) != len(points):
        n = min(len(projects), len(points))
        projects, points = projects[:n], points[:n]
    if ordered or len(projects) < 2:
        return (tuple(projects), tuple(points))
    named, values = zip(*sorted(zip(projects, points, strict=True)), strict=True)
    return (named, values)


def _ballot(projects: tuple[str, ...], points: tuple | None, multiplicity: int) -> Ballot:
    """A :class:`Ballot` without the frozen dataclass's ``__init__`` (3x faster: large
    cities have tens of thousands of distinct ballots)."""
    ballot = object.__new__(Ballot)
    ballot.__dict__.update(projects=projects, points=points, multiplicity=multiplicity)
    return ballot


def _merge_sets(vote_type: str, entries: list[tuple[str, ...]],
                multiplicities: list[int] | None) -> tuple[list[Ballot], list[int]]:
    """:func:`merge_ballots` for ballots without points, with C-level loops."""
    keys, counts, voter_ballot = merge_sets(vote_type, entries, multiplicities)
    return [_ballot(key, None, c) for key, c in zip(keys, counts, strict=True)], voter_ballot


def merge_points(vote_type: str, projects: list[tuple[str, ...]], points: list[tuple],
                 multiplicities: list[int]
                 ) -> tuple[list[tuple[str, ...]], list[tuple], list[int], list[int]]:
    """:func:`merge_ballots` for ballots with points given as columns of tuples (each
    ballot's projects and points of the same length), with C-level loops: the distinct
    ballots' projects, points and multiplicities, and each entry's ballot index."""
    keys = list(zip(projects, points, strict=True))
    if vote_type != "ordinal":  # (project, points) pairs sorted, as merge_ballots does
        in_order = [all(map(lt, named, named[1:])) for named in projects]  # strictly
        for i in [i for i, ok in enumerate(in_order) if not ok]:  # not strictly increasing
            named, values = projects[i], points[i]
            if values.count(values[0]) == len(values):  # the same points on each: sort names
                keys[i] = (tuple(sorted(named)), values)
            else:
                keys[i] = _points_key(named, values, False)
    position = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    if len(position) == len(keys):  # nothing to merge
        index, counts = list(range(len(keys))), list(multiplicities)
    else:
        index = list(map(position.__getitem__, keys))
        counts = [0] * len(position)
        for i, m in zip(index, multiplicities, strict=True):
            counts[i] += m
    return list(map(_FIRST, position)), list(map(_SECOND, position)), counts, index


def merge_sets(vote_type: str, entries: list[tuple[str, ...]], multiplicities: list[int] | None
               ) -> tuple[list[tuple[str, ...]], list[int], list[int]]:
    """Merge ballots without points given by their projects: the distinct ballots' projects,
    their multiplicities and each entry's ballot index."""
    keys = entries if vote_type == "ordinal" else list(map(tuple, map(sorted, entries)))
    distinct = dict.fromkeys(keys)
    if len(distinct) == len(keys):  # nothing to merge
        counts = [1] * len(keys) if multiplicities is None else list(multiplicities)
        return list(keys), counts, list(range(len(keys)))
    position = {key: i for i, key in enumerate(distinct)}
    voter_ballot = list(map(position.__getitem__, keys))
    counts = [0] * len(position)
    if multiplicities is None:
        for i in voter_ballot:
            counts[i] += 1
    else:
        for i, m in zip(voter_ballot, multiplicities, strict=True):
            counts[i] += m
    return list(position), counts, voter_ballot
