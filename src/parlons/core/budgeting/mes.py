"""Method of Equal Shares (MES) with the completions used in practice.

Every voter receives an equal share of the budget. Projects are bought one at a time: the next
one is the project whose cost its supporters can cover with the lowest price per unit of utility
(its *affordability* rho: each supporter pays ``min(budget, rho * utility)``); ties are broken by
a tie-breaking key (see :mod:`parlons.core.budgeting.ties`). Projects whose supporters cannot pay
for them any more are dropped; MES stops when no project is affordable.

Two engines compute the same outcome:

- an exact one (Python ``Fraction``), the reference;
- a fast one (NumPy ``float64``) over merged ballots and per-project supporter indexes, which
  also tracks every budget as an affine function ``a + c * beta`` of the initial per-voter budget
  ``beta``, so the run also yields a beta below which the outcome cannot change; Add1 jumps
  straight to it instead of adding 1 per voter and re-running (in the spirit of "Streamlining
  Equal Shares", Kraiczy, Robinson, Elkind 2025). When two candidates are within 1e-9 (relative)
  of a tie, the fast engine defers to the exact one.

Why the jump is safe. Along a fixed sequence of purchases, and as long as the poor/rich split of
each purchase's supporters is unchanged, every budget is affine and non-decreasing in beta. A
project's affordability rho solves ``sum_i w_i min(b_i, rho u_i) = cost``, whose left side is
jointly concave in (rho, beta), so rho is convex in beta and its current slope gives a lower
bound (a tangent); the winning project's rho is affine there. The outcome can therefore only
change where (a) a purchase's poor/rich split changes, (b) a dropped project becomes affordable,
or (c) a tangent of a rival (or the stale lower bound of a rival not recomputed) meets the
winner's rho. The next such beta is the smallest root of these affine functions.

Completions: ``none``; ``add1`` (raise every voter's budget by 1 while the outcome stays within
the real budget, the variant that reproduces the official results); ``add1-exhaustive`` (same,
but stop at the first exhaustive outcome, pabutools' ``voter_budget_increment=1``);
``utilitarian`` (then greedy utilitarian welfare on what is left); ``add1u`` (``add1-exhaustive``
then greedy utilitarian welfare).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from parlons.core.budgeting.model import Instance, Number, Profile
from parlons.core.budgeting.satisfaction import ballot_utilities

COMPLETIONS = ("none", "utilitarian", "add1", "add1-exhaustive", "add1u")
_TIE_TOL = 1e-9


class _NearTie(Exception):
    """Raised by the float engine when a decision is too close to call in floating point."""


@dataclass
class MESData:
    """Merged ballots and per-project supporter indexes, prepared once per election."""

    instance: Instance
    n_voters: int
    weights: list[int]
    candidates: list[str]  # supported projects with a positive cost
    free: list[str]  # supported projects that cost nothing: funded first
    costs: list[Number]
    supporters: list[list[int]]
    utilities: list[list[Number]]
    rank: list[int]  # tie-breaking rank of each candidate (lower wins)
    np_w: list[np.ndarray] = field(default_factory=list)
    np_idx: list[np.ndarray] = field(default_factory=list)
    np_u: list[np.ndarray] = field(default_factory=list)
    np_twu: list[float] = field(default_factory=list)


def prepare(
    instance: Instance,
    profile: Profile,
    sat: str = "cost",
    tie_key: Callable[[str], tuple] | None = None,
    exclude: list[str] | None = None,
) -> MESData:
    """Index supporters and utilities per project (``exclude``: projects already funded)."""
    excluded = set(exclude or [])
    weights = [b.multiplicity for b in profile.ballots]
    sup: dict[str, list[int]] = {p: [] for p in instance.projects}
    uti: dict[str, list[Number]] = {p: [] for p in instance.projects}
    for i, ballot in enumerate(profile.ballots):
        for p, u in ballot_utilities(instance, ballot, sat).items():
            if u > 0:
                sup[p].append(i)
                uti[p].append(u)
    key = tie_key or (lambda pid: (pid,))
    candidates, free = [], []
    for pid, project in instance.projects.items():
        if pid in excluded or not sup[pid]:
            continue
        (candidates if project.cost > 0 else free).append(pid)
    order = sorted(candidates, key=key)
    rank_of = {p: r for r, p in enumerate(order)}
    data = MESData(
        instance=instance,
        n_voters=profile.num_voters,
        weights=weights,
        candidates=candidates,
        free=free,
        costs=[instance.projects[p].cost for p in candidates],
        supporters=[sup[p] for p in candidates],
        utilities=[uti[p] for p in candidates],
        rank=[rank_of[p] for p in candidates],
    )
    w_all = np.asarray(weights, dtype=np.float64)
    for idx, u in zip(data.supporters, data.utilities, strict=False):
        idx_a = np.asarray(idx, dtype=np.int64)
        u_a = np.asarray([float(x) for x in u], dtype=np.float64)
        data.np_idx.append(idx_a)
        data.np_u.append(u_a)
        data.np_w.append(w_all[idx_a])
        data.np_twu.append(float(np.dot(w_all[idx_a], u_a)))
    return data


# --------------------------------------------------------------------------- exact engine


def run_exact(data: MESData, beta: Fraction) -> list[int]:
    """One MES run with initial per-voter budget ``beta``, exact arithmetic.
    Returns the indexes (into ``data.candidates``) of the funded projects, in order."""
    w = data.weights
    budget = [Fraction(beta)] * len(w)
    alive = set(range(len(data.candidates)))
    total_wu = [sum(w[i] * u for i, u in zip(s, us, strict=False)) for s, us in zip(data.supporters,
                                                                        data.utilities, strict=False)]
    bound: dict[int, Fraction] = {p: Fraction(data.costs[p]) / total_wu[p] for p in alive}
    selected: list[int] = []
    while True:
        best: Fraction | None = None
        tied: list[int] = []
        for p in sorted(alive, key=lambda q: bound[q]):
            sup, uts, cost = data.supporters[p], data.utilities[p], data.costs[p]
            if sum(w[i] * budget[i] for i in sup) < cost:
                alive.discard(p)
                continue
            if best is not None and bound[p] > best:
                break
            items = sorted(zip(sup, uts, strict=False), key=lambda iu: budget[iu[0]] / iu[1])
            paid: Fraction | int = 0
            denom = total_wu[p]
            rho = Fraction(0)
            for i, u in items:
                rho = Fraction(cost - paid) / denom
                if rho * u <= budget[i]:
                    break
                paid += w[i] * budget[i]
                denom -= w[i] * u
            bound[p] = rho
            if best is None or rho < best:
                best, tied = rho, [p]
            elif rho == best:
                tied.append(p)
        if not tied:
            return selected
        chosen = min(tied, key=lambda q: data.rank[q])
        selected.append(chosen)
        alive.discard(chosen)
        for i, u in zip(data.supporters[chosen], data.utilities[chosen], strict=False):
            budget[i] -= min(budget[i], best * u)


# --------------------------------------------------------------------------- float engine


def _first_root(value: np.ndarray, slope: np.ndarray, beta: float) -> float:
    """Smallest beta' >= beta where ``value + slope * (beta' - beta)`` changes sign."""
    crossing = (value * slope < 0) | ((value == 0) & (slope != 0))
    if not crossing.any():
        return math.inf
    return float((beta - value[crossing] / slope[crossing]).min())


def _root(value: float, slope: float, beta: float) -> float:
    """Scalar :func:`_first_root`."""
    if (value < 0 < slope) or (slope < 0 < value):
        return beta - value / slope
    if value == 0 and slope != 0:
        return beta
    return math.inf


def run_float(data: MESData, beta: float) -> tuple[list[int], float]:
    """See :func:`_run_float`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run_float(data, beta)


def _run_float(data: MESData, beta: float) -> tuple[list[int], float]:
    """One MES run in floating point with parametric tracking.

    Returns the funded candidates and the smallest initial budget > ``beta`` at which the
    outcome may differ. Raises :class:`_NearTie` when a decision is within rounding error."""
    n = len(data.weights)
    a = np.zeros(n)
    c = np.ones(n)
    b = np.full(n, float(beta))
    m = len(data.candidates)
    costs = [float(x) for x in data.costs]
    bound = [costs[p] / data.np_twu[p] for p in range(m)]
    bound_a = list(bound)
    bound_c = [0.0] * m
    alive = set(range(m))
    selected: list[int] = []
    change = math.inf
    while True:
        best = math.inf
        best_a = best_c = 0.0
        chosen = -1
        chosen_poor = None
        computed: list[tuple[int, float, float, float]] = []
        lazy: list[int] = []
        order = sorted(alive, key=lambda q: bound[q])
        for j, p in enumerate(order):
            idx, u, ww, cost = data.np_idx[p], data.np_u[p], data.np_w[p], costs[p]
            bs = b[idx]
            avail = float(ww @ bs)
            if avail < cost:
                if cost - avail <= _TIE_TOL * cost:
                    raise _NearTie
                change = min(change, _root(avail - cost, float(ww @ c[idx]), beta))
                alive.discard(p)
                continue
            if avail - cost <= _TIE_TOL * cost:
                raise _NearTie
            if bound[p] > best:
                lazy = [q for q in order[j:] if q in alive]
                break
            rho0 = cost / data.np_twu[p]
            if float((bs - rho0 * u).min()) >= 0:  # nobody is poor: the common case
                bound[p], bound_a[p], bound_c[p] = rho0, rho0, 0.0
                computed.append((p, rho0, rho0, 0.0))
                if rho0 < best or (rho0 == best and data.rank[p] < data.rank[chosen]):
                    best, best_a, best_c, chosen, chosen_poor = rho0, rho0, 0.0, p, None
                continue
            # poor/rich fixed point: the poor pay all they have, the rich pay rho * u;
            # rho only grows and the poor set only grows, so this ends (in a few rounds)
            wbs = ww * bs
            wu = ww * u
            poor_mask = bs < rho0 * u
            while True:
                denom = float(wu.sum() - wu[poor_mask].sum())
                if denom <= 0:
                    raise _NearTie
                rho = (cost - float(wbs[poor_mask].sum())) / denom
                grown = bs < rho * u
                if not (grown & ~poor_mask).any():
                    break
                poor_mask |= grown
            poor = idx[poor_mask]
            pw = ww[poor_mask]
            rho_a = (cost - float(pw @ a[poor])) / denom
            rho_c = -float(pw @ c[poor]) / denom
            bound[p], bound_a[p], bound_c[p] = rho, rho_a, rho_c
            computed.append((p, rho, rho_a, rho_c))
            if rho < best or (rho == best and data.rank[p] < data.rank[chosen]):
                best, best_a, best_c, chosen, chosen_poor = rho, rho_a, rho_c, p, poor_mask
        if chosen < 0:
            return selected, change
        for p, rho, _, rho_c in computed:
            if p != chosen:
                if rho - best <= _TIE_TOL * best:
                    raise _NearTie
                change = min(change, _root(rho - best, rho_c - best_c, beta))
        for p in lazy:
            change = min(change, _root(bound[p] - best, bound_c[p] - best_c, beta))
        selected.append(chosen)
        alive.discard(chosen)
        idx, u = data.np_idx[chosen], data.np_u[chosen]
        # the chosen project's poor supporters stay poor and its rich ones rich: this keeps
        # every budget affine in beta, hence every other project's rho convex in beta, so the
        # tangents used above are valid lower bounds
        change = min(change, _first_root(b[idx] - best * u, c[idx] - best_c * u, beta))
        poor_mask = np.zeros(len(idx), dtype=bool) if chosen_poor is None else chosen_poor
        rich, poor = idx[~poor_mask], idx[poor_mask]
        ur = u[~poor_mask]
        a[rich] -= best_a * ur
        c[rich] -= best_c * ur
        b[rich] -= best * ur
        a[poor] = 0.0
        c[poor] = 0.0
        b[poor] = 0.0


# --------------------------------------------------------------------------- drivers


@dataclass
class MESOutcome:
    """Funded project ids in order, the per-voter budget of the last run, and run counts."""

    winners: list[str]
    voter_budget: Fraction
    runs: int = 0
    exact_runs: int = 0


def _run(data: MESData, beta: Fraction, exact: bool) -> tuple[list[int], float, bool]:
    """Outcome at ``beta`` and the next beta where it may change (``beta + 1`` when unknown)."""
    try:
        sel, change = run_float(data, float(beta))
    except _NearTie:
        return run_exact(data, beta), float(beta) + 1.0, True
    if exact:
        sel_exact = run_exact(data, beta)
        if sel_exact != sel:
            return sel_exact, float(beta) + 1.0, True
        return sel_exact, change, True
    return sel, change, False


def _is_exhaustive(data: MESData, chosen: list[str], budget: Number) -> bool:
    cost = data.instance.cost(chosen)
    chosen_set = set(chosen)
    return all(
        c + cost > budget for p, c in zip(data.candidates, data.costs, strict=False) if p not in chosen_set
    )


def equal_shares(
    instance: Instance,
    profile: Profile,
    sat: str = "cost",
    completion: str = "none",
    exact: bool = False,
    tie_key: Callable[[str], tuple] | None = None,
    increment: Number = 1,
    max_runs: int = 100_000,
) -> MESOutcome:
    """Method of Equal Shares with a completion (see the module docstring)."""
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}; expected one of {COMPLETIONS}")
    data = prepare(instance, profile, sat, tie_key)
    budget = instance.budget
    n = data.n_voters
    if n == 0:
        return MESOutcome([], Fraction(0))
    beta0 = Fraction(budget) / n

    def names(sel: list[int]) -> list[str]:
        return data.free + [data.candidates[i] for i in sel]

    if completion in ("none", "utilitarian"):
        sel, _, used_exact = _run(data, beta0, exact)
        outcome = MESOutcome(names(sel), beta0, 1, int(used_exact))
    else:
        stop_when_exhaustive = completion in ("add1-exhaustive", "add1u")
        step = Fraction(increment)
        k = 0
        previous: MESOutcome | None = None
        runs = exact_runs = 0
        while True:
            beta = beta0 + k * step
            sel, change, used_exact = _run(data, beta, exact)
            runs += 1
            exact_runs += int(used_exact)
            current = MESOutcome(names(sel), beta, runs, exact_runs)
            if instance.cost(current.winners) > budget:
                assert previous is not None, "MES overspent at the equal share"
                previous.runs, previous.exact_runs = runs, exact_runs
                outcome = previous
                break
            if stop_when_exhaustive and _is_exhaustive(data, current.winners, budget):
                outcome = current
                break
            if len(sel) == len(data.candidates) or math.isinf(change) or runs >= max_runs:
                outcome = current
                break
            previous = current
            target = (change - float(beta0)) / float(step)
            k = max(k + 1, math.ceil(target - 1e-7 * max(1.0, abs(target))))
    if completion in ("utilitarian", "add1u"):
        from parlons.core.budgeting.greedy import greedy_utilitarian

        outcome.winners = greedy_utilitarian(
            instance, profile, sat=sat, tie_key=tie_key, initial=outcome.winners
        )
    return outcome
