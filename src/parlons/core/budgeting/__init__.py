"""Participatory-budgeting rules engine (Django-free): Pabulib I/O, greedy variants, the Method
of Equal Shares with completions, sequential Phragmén, maximal welfare, metrics."""

from parlons.core.budgeting.model import Ballot, Instance, Profile, Project, Voter
from parlons.core.budgeting.pabulib import (
    Issue,
    PabulibError,
    parse_pabulib,
    read_pabulib,
    validate,
    write_pabulib,
)

_LAZY = {"RULES", "Outcome", "tally"}  # from .rules, which imports NumPy: loaded on first use


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from parlons.core.budgeting import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RULES",
    "Ballot",
    "Instance",
    "Issue",
    "Outcome",
    "PabulibError",
    "Profile",
    "Project",
    "Voter",
    "parse_pabulib",
    "read_pabulib",
    "tally",
    "validate",
    "write_pabulib",
]
