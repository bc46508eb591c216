"""Data model of a participatory-budgeting election: instance, projects and merged ballots."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

Number = int | Fraction

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


@dataclass
class Profile:
    """The votes: raw voter rows (for writing back and ballot-level columns such as a district)
    and the identical ballots merged with a multiplicity."""

    vote_type: str
    columns: list[str]
    voters: list[Voter]
    ballots: list[Ballot]
    #: for each voter row, the index of its merged ballot in ``ballots``
    voter_ballot: list[int]

    @property
    def num_voters(self) -> int:
        return sum(b.multiplicity for b in self.ballots)


def merge_ballots(
    vote_type: str, entries: list[tuple[tuple[str, ...], tuple | None]]
) -> tuple[list[Ballot], list[int]]:
    """Merge identical ballots; returns the distinct ballots and each entry's ballot index."""
    index: dict[tuple, int] = {}
    counts: list[int] = []
    keys: list[tuple] = []
    voter_ballot: list[int] = []
    ordered = vote_type == "ordinal"
    for projects, points in entries:
        if points is None:
            key = (projects if ordered else tuple(sorted(projects)), None)
        else:
            pairs = sorted(zip(projects, points, strict=False)) if not ordered else list(zip(projects, points, strict=False))
            key = (tuple(p for p, _ in pairs), tuple(x for _, x in pairs))
        i = index.get(key)
        if i is None:
            i = len(keys)
            index[key] = i
            keys.append(key)
            counts.append(0)
        counts[i] += 1
        voter_ballot.append(i)
    ballots = [Ballot(k[0], k[1], c) for k, c in zip(keys, counts, strict=False)]
    return ballots, voter_ballot
