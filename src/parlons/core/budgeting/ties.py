"""Tie-breaking orders between projects.

- ``id``: project id as text (lexicographic), pabutools' default (``lexico_tie_breaking``).
- ``cost-votes``: lower cost first, then more supporters, then id (equalshares.net).
- ``file``: order of the PROJECTS section (Pabulib lists projects in the official ranking).
"""

from __future__ import annotations

from collections.abc import Callable

from parlons.core.budgeting.model import Instance, Profile

TIE_BREAKS = ("id", "cost-votes", "file")


def tie_key(instance: Instance, profile: Profile, name: str = "id") -> Callable[[str], tuple]:
    """A sort key: the project that sorts first wins a tie."""
    if name == "id":
        return lambda pid: (pid,)
    if name == "file":
        position = {pid: i for i, pid in enumerate(instance.projects)}
        return lambda pid: (position[pid],)
    if name == "cost-votes":
        votes: dict[str, int] = {p: 0 for p in instance.projects}
        for ballot in profile.ballots:
            for p in ballot.projects:
                if p in votes:
                    votes[p] += ballot.multiplicity
        return lambda pid: (instance.projects[pid].cost, -votes[pid], pid)
    raise ValueError(f"unknown tie-breaking {name!r}; expected one of {TIE_BREAKS}")
