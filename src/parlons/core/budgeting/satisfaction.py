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


def supporters(instance: Instance, profile: Profile,
               sat: str) -> dict[str, tuple[list[int], list[Number]]]:
    """For each project, the ballots (indexes into ``profile.ballots``, increasing) that give it
    a positive utility, and those utilities (as :func:`ballot_utilities`, without building a
    dict per ballot for ``cost`` and ``cardinality``)."""
    projects = instance.projects
    if sat not in ("cost", "cardinality"):
        out: dict[str, tuple[list[int], list[Number]]] = {p: ([], []) for p in projects}
        for i, ballot in enumerate(profile.ballots):
            for p, u in ballot_utilities(instance, ballot, sat).items():
                if u > 0:
                    out[p][0].append(i)
                    out[p][1].append(u)
        return out
    lists: dict[str, list[int]] = {p: [] for p in projects}
    get = lists.get
    for i, named_projects in enumerate(profile.ballot_projects()):
        for p in named_projects:
            named = get(p)
            if named is not None:
                named.append(i)
    out = {}
    for p, idx in lists.items():
        u = projects[p].cost if sat == "cost" else 1
        if u <= 0:
            idx = []
        elif len(set(idx)) != len(idx):  # a project named twice on a ballot counts once
            idx = sorted(set(idx))
        out[p] = (idx, [u] * len(idx))
    return out


def total_satisfaction(instance: Instance, profile: Profile, sat: str) -> dict[str, Number]:
    """Sum over voters of each project's utility."""
    weights = profile.multiplicities()
    index = supporters(instance, profile, sat)
    if sat in ("cost", "cardinality"):  # one utility per project: sum the weights in C
        weight = weights.__getitem__
        return {p: us[0] * sum(map(weight, idx)) if idx else 0 for p, (idx, us) in index.items()}
    return {p: sum(weights[i] * u for i, u in zip(idx, us, strict=True))
            for p, (idx, us) in index.items()}
