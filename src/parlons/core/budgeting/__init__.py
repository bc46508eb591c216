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
from parlons.core.budgeting.rules import RULES, Outcome, tally

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
