"""Maximal utilitarian welfare: an exact 0/1 knapsack solved by HiGHS (through SciPy's
``milp``, relative gap 0) over integer satisfactions (cost or cardinality satisfaction)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from parlons.core.budgeting.model import Instance, Profile
from parlons.core.budgeting.satisfaction import total_satisfaction


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS may print diagnostics on the C-level stdout: keep them out of our output."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def max_welfare(instance: Instance, profile: Profile, sat: str = "cost") -> list[str]:
    """A budget-feasible set of projects of maximal total satisfaction (ties: the set HiGHS
    returns; projects nobody supports are left out)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    total = total_satisfaction(instance, profile, sat)
    pids = [p for p in instance.projects if total[p] > 0]
    if not pids:
        return []
    # integral data: scale fractional costs/budget by a common denominator
    values = [Fraction(instance.projects[p].cost) for p in pids] + [Fraction(instance.budget)]
    scale = 1
    for v in values:
        scale = scale * v.denominator // np.gcd(scale, v.denominator)
    costs = np.array([float(instance.projects[p].cost * scale) for p in pids])
    budget = float(instance.budget * scale)
    gains = np.array([float(total[p]) for p in pids])
    with _quiet_stdout():
        result = milp(
            c=-gains,
            constraints=[LinearConstraint(costs[np.newaxis, :], -np.inf, budget)],
            integrality=np.ones(len(pids)),
            bounds=Bounds(0, 1),
            options={"mip_rel_gap": 0.0, "presolve": True},
        )
    if result.x is None:
        raise RuntimeError(f"HiGHS found no solution: {result.message}")
    chosen = [p for p, x in zip(pids, result.x, strict=False) if x > 0.5]
    if instance.cost(chosen) > instance.budget:  # never trust a float solver blindly
        raise RuntimeError("HiGHS returned an infeasible set")
    return chosen


def welfare(instance: Instance, profile: Profile, chosen: list[str], sat: str = "cost") -> int:
    """Total satisfaction of a set of projects."""
    total = total_satisfaction(instance, profile, sat)
    return sum(total[p] for p in chosen)
