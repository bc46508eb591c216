"""Satisfaction (utility) of a voter for a project: ``cost``, ``cardinality`` or ``points``."""

from __future__ import annotations

from parlons.core.budgeting.model import Ballot, Instance, Number, Profile

SATISFACTIONS = ("cost", "cardinality", "points")


def ballot_utilities(instance: Instance, ballot: Ballot, sat: str) -> dict[str, Number]:
    """Utility of each project named on a ballot (0-utility entries dropped)."""
    out: dict[str, Number] = {}
    if sat == "cost":
        for p in ballot.projects:
            if p in instance.projects:
                out[p] = instance.projects[p].cost
    elif sat == "cardinality":
        for p in ballot.projects:
            if p in instance.projects:
                out[p] = 1
    elif sat == "points":
        if ballot.points is None:
            for p in ballot.projects:
                if p in instance.projects:
                    out[p] = 1
        else:
            for p, x in zip(ballot.projects, ballot.points, strict=False):
                if p in instance.projects and x > 0:
                    out[p] = x
    else:
        raise ValueError(f"unknown satisfaction {sat!r}; expected one of {SATISFACTIONS}")
    return {p: u for p, u in out.items() if u > 0} if sat == "cost" else out


def total_satisfaction(instance: Instance, profile: Profile, sat: str) -> dict[str, Number]:
    """Sum over voters of each project's utility."""
    total: dict[str, Number] = {p: 0 for p in instance.projects}
    for ballot in profile.ballots:
        for p, u in ballot_utilities(instance, ballot, sat).items():
            total[p] += u * ballot.multiplicity
    return total
