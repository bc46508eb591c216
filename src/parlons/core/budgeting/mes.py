"""Method of Equal Shares (MES) with the completions used in practice.

Every voter receives an equal share of the budget. Projects are bought one at a time: the next
one is the project whose cost its supporters can cover with the lowest price per unit of utility
(its *affordability* rho: each supporter pays ``min(budget, rho * utility)``); ties are broken by
a tie-breaking key (see :mod:`parlons.core.budgeting.ties`). Projects whose supporters cannot pay
for them any more are dropped; MES stops when no project is affordable.

Three engines compute the same outcome:

- an exact one (Python ``Fraction``), the reference;
- a fast one (NumPy ``float64``) over merged ballots and per-project supporter indexes, which
  also tracks every budget as an affine function ``a + c * beta`` of the initial per-voter budget
  ``beta``, so the run also yields a beta below which the outcome cannot change; Add1 jumps
  straight to it instead of adding 1 per voter and re-running (in the spirit of "Streamlining
  Equal Shares", Kraiczy, Robinson, Elkind 2025). When two candidates are within 1e-9 (relative)
  of a tie, the fast engine defers to the exact one;
- a batched one (:func:`run_float_batch`) that runs many initial budgets at once (a ballots x
  runs matrix), for the Add1 budgets that cannot be jumped over.

When the tracked jump does not reach past the next budget (large cities: some supporter's
poor/rich split changes at almost every step), Add1 gallops with an interval certificate
(:func:`_certified`): two float runs at ``L < R`` with the same purchases, where each
purchase's price at ``L`` is below every rival's price (or lower bound) at ``R``, prove the
outcome constant on ``[L, R]``, because every budget is non-decreasing in beta along a fixed
sequence of purchases. Small elections without completion use the exact engine only and do
not import NumPy.

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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from parlons.core.budgeting.model import Instance, Number, Profile
from parlons.core.budgeting.satisfaction import supporters


class _LazyNumPy:
    """NumPy, imported on first use: small elections are tallied without it (its import
    costs more CPU than their whole tally)."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        globals()["np"] = numpy
        return getattr(numpy, name)


np: Any = _LazyNumPy()

COMPLETIONS = ("none", "utilitarian", "add1", "add1-exhaustive", "add1u")
_TIE_TOL = 1e-9
#: MES without completion on at most this many (ballot, project) supports runs the exact
#: engine only, without NumPy
_SMALL = 2_000
#: a profile whose pending vote texts hold more bytes than this has its supporters indexed
#: in NumPy straight from the texts (see :mod:`parlons.core.budgeting.incidence`)
_TEXTS_IN_NUMPY = 50_000
#: ballot classes: the most (candidate, class) pairs counted in one array of bins
_PAIR_BINS = 1 << 24
#: Add1 runs its budgets in batches only when a single run takes longer (see _Pace)
_BATCH_FROM = 0.010
#: ballots are merged into classes for the batched runs only when there are at most this
#: share as many classes as ballots
_WORTH_MERGING = 0.75


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
    supporters: list[list[int] | np.ndarray]
    utilities: list[list[Number]]
    rank: list[int]  # tie-breaking rank of each candidate (lower wins)
    np_w: list[np.ndarray] = field(default_factory=list)
    np_idx: list[np.ndarray] = field(default_factory=list)
    np_u: list[np.ndarray] = field(default_factory=list)
    np_twu: list[float] = field(default_factory=list)
    #: per candidate: the utility as one float when all supporters share it (cost and
    #: cardinality utilities), else ``np_u``'s array; weight times utility; the cost as a float
    np_us: list[float | np.ndarray] = field(default_factory=list)
    np_wu: list[np.ndarray] = field(default_factory=list)
    float_costs: list[float] = field(default_factory=list)

    @property
    def supporter_arrays(self) -> list[np.ndarray] | None:
        """``supporters`` when they are NumPy arrays (indexed from the vote texts, until
        :func:`run_exact` turns them into lists), else ``None``."""
        backers = self.supporters
        return backers if backers and not isinstance(backers[0], list) else None


def prepare(
    instance: Instance,
    profile: Profile,
    sat: str = "cost",
    tie_key: Callable[[str], tuple] | None = None,
    exclude: list[str] | None = None,
    arrays: bool = True,
) -> MESData:
    """Index supporters and utilities per project (``exclude``: projects already funded;
    ``arrays=False``: no NumPy arrays, for the exact engine only)."""
    excluded = set(exclude or [])
    indexed = _indexed_supporters(instance, profile, sat)
    weights = profile.multiplicities()
    if indexed is None:
        named = supporters(instance, profile, sat)
        sup = {p: idx for p, (idx, _) in named.items()}
        uti = {p: us for p, (_, us) in named.items()}
    else:
        sup = dict(zip(instance.projects, indexed, strict=True))
    key = tie_key or (lambda pid: (pid,))
    candidates, free = [], []
    for pid, project in instance.projects.items():
        if pid in excluded or len(sup[pid]) == 0:
            continue
        (candidates if project.cost > 0 else free).append(pid)
    order = sorted(candidates, key=key)
    rank_of = {p: r for r, p in enumerate(order)}
    costs = [instance.projects[p].cost for p in candidates]
    supporters_of = [sup[p] for p in candidates]  # (arrays: lists once run_exact runs)
    if indexed is not None:  # cost or cardinality: one utility per project
        utilities = [[c if sat == "cost" else 1] * len(a) for c, a in zip(costs, supporters_of,
                                                                          strict=True)]
    else:
        utilities = [uti[p] for p in candidates]
    data = MESData(
        instance=instance,
        n_voters=profile.num_voters,
        weights=weights,
        candidates=candidates,
        free=free,
        costs=costs,
        supporters=supporters_of,
        utilities=utilities,
        rank=[rank_of[p] for p in candidates],
    )
    if arrays:
        _arrays(data)
    return data


def _indexed_supporters(instance: Instance, profile: Profile,
                        sat: str) -> list[np.ndarray] | None:
    """Each project's supporters indexed in NumPy from the profile's pending vote texts
    (large files read with ballots without points), or ``None``. Cost and cardinality
    utilities only: the projects a ballot names are then its supports (of a positive cost
    for ``cost``, as :func:`supporters`)."""
    pending = profile.pending_texts()
    if sat not in ("cost", "cardinality") or pending is None:
        return None
    if sum(map(len, pending[0])) <= _TEXTS_IN_NUMPY:
        return None
    from parlons.core.budgeting.incidence import supporters_arrays

    indexed = supporters_arrays(instance, profile)
    if indexed is not None and sat == "cost":
        indexed = [a if p.cost > 0 else a[:0]
                   for a, p in zip(indexed, instance.projects.values(), strict=True)]
    return indexed


def _arrays(data: MESData) -> None:
    """Fill the NumPy arrays of ``data`` (the float engines' inputs)."""
    weights = data.weights
    w_all = np.asarray(weights, dtype=np.float64)
    for idx, u in zip(data.supporters, data.utilities, strict=True):
        idx_a = np.asarray(idx, dtype=np.int64)  # (no copy of an int64 array)
        # cost and cardinality utilities: one value per project (no list conversion)
        if len(u) > 0 and u.count(u[0]) == len(u):
            u_a, uniform = np.full(len(u), float(u[0])), True
        else:
            u_a = np.asarray(u, dtype=np.float64)
            uniform = len(u_a) > 0 and bool((u_a == u_a[0]).all())
        w_a = w_all[idx_a]
        data.np_idx.append(idx_a)
        data.np_u.append(u_a)
        data.np_w.append(w_a)
        data.np_twu.append(float(np.dot(w_a, u_a)))
        data.np_us.append(float(u_a[0]) if uniform else u_a)
        data.np_wu.append(w_a * u_a)
    data.float_costs = [float(x) for x in data.costs]


# --------------------------------------------------------------------------- exact engine


def run_exact(data: MESData, beta: Fraction) -> list[int]:
    """One MES run with initial per-voter budget ``beta``, exact arithmetic.
    Returns the indexes (into ``data.candidates``) of the funded projects, in order."""
    w = data.weights
    budget = [Fraction(beta)] * len(w)
    alive = set(range(len(data.candidates)))
    if data.supporter_arrays is not None:  # indexed in NumPy: lists for exact arithmetic
        data.supporters = [s if isinstance(s, list) else s.tolist() for s in data.supporters]
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


def run_float(data: MESData, beta: float, need: float | None = None,
              trace: _Trace | None = None) -> tuple[list[int], float]:
    """See :func:`_run_float`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run_float(data, beta, beta if need is None else need, trace)


@dataclass
class _Trace:
    """What a float run records for the interval certificate (:func:`_certified`): the
    price rho of each purchase and, per purchase, a lower bound of every rival's rho. With
    ``ref`` (the prices of a run at a lower beta), rivals are computed up to ``ref``'s price
    of the same step, so that the bounds are tight enough to compare with it."""

    ref: list[float] | None = None
    prices: list[float] = field(default_factory=list)
    rivals: list[float] = field(default_factory=list)


def _run_float(data: MESData, beta: float, need: float,
               trace: _Trace | None = None) -> tuple[list[int], float]:
    """One MES run in floating point with parametric tracking.

    Returns the funded candidates and a beta > ``beta`` below which the outcome cannot differ
    (the smallest one the run finds while that value is above ``need``: once it is at most
    ``need``, the caller will evaluate ``need`` anyway and tracking stops; ``need = inf``
    turns tracking off). Raises :class:`_NearTie` when a decision is within rounding error.
    ``trace`` (optional) is filled with the prices and rival bounds of each purchase."""
    n = len(data.weights)
    b = np.full(n, float(beta))
    change = math.inf
    track = change > need
    if track:
        a = np.zeros(n)
        c = np.ones(n)
    m = len(data.candidates)
    costs = data.float_costs
    bound = [costs[p] / data.np_twu[p] for p in range(m)]
    bound_c = [0.0] * m
    alive = set(range(m))
    selected: list[int] = []
    tol = 1.0 + _TIE_TOL
    while True:
        best = math.inf
        best_a = best_c = 0.0
        chosen = -1
        chosen_poor = None
        computed: list[tuple[int, float, float]] = []
        lazy: list[int] = []
        order = sorted(alive, key=bound.__getitem__)
        step = len(selected)
        floor = trace.ref[step] if trace and trace.ref and step < len(trace.ref) else 0.0
        for j, p in enumerate(order):
            if bound[p] > max(best, floor) * tol:
                lazy = order[j:]
                break
            idx, ww, cost = data.np_idx[p], data.np_w[p], costs[p]
            bs = b[idx]
            avail = float(ww @ bs)
            if avail < cost:
                if cost - avail <= _TIE_TOL * cost:
                    raise _NearTie
                if track:
                    change = min(change, _root(avail - cost, float(ww @ c[idx]), beta))
                alive.discard(p)
                continue
            if avail - cost <= _TIE_TOL * cost:
                raise _NearTie
            u = data.np_us[p]
            rho = cost / data.np_twu[p]
            poor_mask = bs < rho * u
            rho_a, rho_c = rho, 0.0
            if poor_mask.any():
                # poor/rich fixed point: the poor pay all they have, the rich pay rho * u;
                # rho only grows and the poor set only grows, so this ends (in a few rounds)
                wu = data.np_wu[p]
                twu = data.np_twu[p]
                while True:
                    denom = twu - float(wu[poor_mask].sum())
                    if denom <= 0:
                        raise _NearTie
                    rho = (cost - float(ww[poor_mask] @ bs[poor_mask])) / denom
                    grown = bs < rho * u
                    if not (grown & ~poor_mask).any():
                        break
                    poor_mask |= grown
                if track:
                    poor, pw = idx[poor_mask], ww[poor_mask]
                    rho_a = (cost - float(pw @ a[poor])) / denom
                    rho_c = -float(pw @ c[poor]) / denom
            else:
                poor_mask = None
            bound[p], bound_c[p] = rho, rho_c
            computed.append((p, rho, rho_c))
            if rho < best or (rho == best and data.rank[p] < data.rank[chosen]):
                best, best_a, best_c, chosen, chosen_poor = rho, rho_a, rho_c, p, poor_mask
        if chosen < 0:
            return selected, change
        if trace is not None:
            trace.prices.append(best)
            rivals = [rho for p, rho, _ in computed if p != chosen]
            rivals += [bound[p] for p in lazy if p in alive]
            trace.rivals.append(min(rivals, default=math.inf))
        for p, rho, rho_c in computed:
            if p != chosen:
                if rho - best <= _TIE_TOL * best:
                    raise _NearTie
                if track:
                    change = min(change, _root(rho - best, rho_c - best_c, beta))
        selected.append(chosen)
        alive.discard(chosen)
        idx, u = data.np_idx[chosen], data.np_us[chosen]
        bs = b[idx]
        if track:
            for p in lazy:
                if p in alive:
                    change = min(change, _root(bound[p] - best, bound_c[p] - best_c, beta))
            # the chosen project's poor supporters stay poor and its rich ones rich: this keeps
            # every budget affine in beta, hence every other project's rho convex in beta, so
            # the tangents used above are valid lower bounds
            change = min(change, _first_root(bs - best * u, c[idx] - best_c * u, beta))
            track = change > need
        if track:
            if chosen_poor is None:
                a[idx] -= best_a * u
                c[idx] -= best_c * u
            else:
                rich = ~chosen_poor
                a[idx[rich]] -= best_a * (u[rich] if np.ndim(u) else u)
                c[idx[rich]] -= best_c * (u[rich] if np.ndim(u) else u)
                a[idx[chosen_poor]] = 0.0
                c[idx[chosen_poor]] = 0.0
        b[idx] = np.maximum(bs - best * u, 0.0)


def run_float_batch(data: MESData, betas: list[float],
                    keep: set[int] | None = None) -> list[list[int] | int | None]:
    """MES runs for several initial budgets at once, in floating point, vectorised over the
    runs (no change tracking). Runs that share their purchases so far share one group; a group
    splits when its runs choose different projects. Returns each run's funded candidates, or
    ``None`` for a run with a decision within rounding error (re-run it with :func:`_run`).

    With ``keep``, ballots that approve the same candidates of ``keep`` are merged into one
    class (their budgets stay equal while only those candidates are bought): a run that would
    buy another candidate stops and returns that candidate's index instead."""
    merged = _classes(data, keep) if keep is not None else None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _run_float_batch(merged or data, betas, keep if merged else None)


def _ballot_classes(data: MESData, keep: set[int]) -> np.ndarray | None:
    """Each ballot's class: ballots approving the same candidates of ``keep`` share one;
    ``None`` when merging them does not pay (utilities that differ between supporters of a
    candidate, i.e. points ballots, or hardly fewer classes than ballots)."""
    if any(np.ndim(u) for u in data.np_us):
        return None
    n = len(data.weights)
    chosen = sorted(keep)
    keys = np.zeros((n, max(1, (len(chosen) + 63) // 64)), dtype=np.uint64)
    for j, p in enumerate(chosen):
        keys[data.np_idx[p], j // 64] |= np.uint64(1 << (j % 64))
    if keys.shape[1] == 1:
        _, inverse = np.unique(keys[:, 0], return_inverse=True)
    else:
        _, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if inverse.max(initial=-1) + 1 > _WORTH_MERGING * n:
        return None
    return inverse


def _classes(data: MESData, keep: set[int]) -> MESData | None:
    """``data`` with ballots merged by the candidates of ``keep`` they approve (``None``: see
    :func:`_ballot_classes`)."""
    inverse = _ballot_classes(data, keep)
    if inverse is None:
        return None
    weights = np.bincount(inverse, weights=np.asarray(data.weights, dtype=np.float64))
    # every candidate's classes at once: (candidate, class) pairs made unique, summing the
    # weights of each pair in the order of its ballots (as one candidate at a time would)
    count = len(data.np_idx)
    if count == 0:
        return replace(data, weights=weights.tolist())
    classes = int(inverse.max()) + 1
    candidate = np.repeat(np.arange(count), [len(idx) for idx in data.np_idx])
    key = candidate * classes + inverse[np.concatenate(data.np_idx)]
    if count * classes <= _PAIR_BINS:  # one bin per (candidate, class): no sort
        w_all = np.bincount(key, weights=np.concatenate(data.np_w),
                            minlength=count * classes)
        pairs = np.flatnonzero(w_all)  # (every ballot weighs at least 1)
        w_all = w_all[pairs]
    else:
        pairs, where = np.unique(key, return_inverse=True)
        w_all = np.bincount(where.reshape(-1), weights=np.concatenate(data.np_w))
    cuts = np.searchsorted(pairs // classes, np.arange(1, count))
    np_idx = np.split(pairs % classes, cuts)
    np_w = np.split(w_all, cuts)
    np_wu = [w * u for w, u in zip(np_w, data.np_us, strict=True)]
    return replace(data, weights=weights.tolist(), np_idx=np_idx, np_w=np_w, np_wu=np_wu)


@dataclass
class _Group:
    """Runs of :func:`run_float_batch` that made the same purchases so far."""

    runs: np.ndarray  # their positions in ``betas``
    budgets: np.ndarray  # ballots x runs
    bounds: np.ndarray  # candidates x runs: lower bounds of each rho
    alive: set[int]
    selected: list[int]
    #: purchase to apply: project, rho per run, its supporters' budgets (ballots x runs)
    pending: tuple[int, np.ndarray, np.ndarray] | None = None


def _run_float_batch(data: MESData, betas: list[float],
                     keep: set[int] | None) -> list[list[int] | int | None]:
    k = len(betas)
    m = len(data.candidates)
    costs = data.float_costs
    ranks = np.asarray(data.rank + [m], dtype=np.int64)  # index -1: no project yet
    results: list[list[int] | int | None] = [None] * k
    bad = np.zeros(k, dtype=bool)
    init = np.asarray([costs[p] / data.np_twu[p] for p in range(m)]).reshape(m, 1)
    stack = [_Group(np.arange(k), np.tile(np.asarray(betas, dtype=np.float64),
                                          (len(data.weights), 1)),
                    np.repeat(init, k, axis=1), set(range(m)), [])]
    tol = 1.0 + _TIE_TOL
    while stack:
        g = stack.pop()
        if g.pending is not None:
            p, rho, bs = g.pending
            idx, u = data.np_idx[p], data.np_us[p]
            ucol = u if np.ndim(u) == 0 else u[:, None]
            g.budgets[idx] = np.maximum(bs - rho * ucol, 0.0)
            g.alive.discard(p)
            g.selected.append(p)
            g.pending = None
        runs, budgets, bounds = g.runs, g.budgets, g.bounds
        width = len(runs)
        best = np.full(width, np.inf)
        chosen = np.full(width, -1, dtype=np.int64)
        computed: list[tuple[int, np.ndarray]] = []
        gathered: dict[int, np.ndarray] = {}
        alive = sorted(g.alive)
        low = bounds[alive].min(axis=1) if alive else np.zeros(0)
        for j in np.argsort(low, kind="stable"):
            if low[j] > best.max() * tol:
                break
            p = alive[j]
            idx, ww, cost, u = data.np_idx[p], data.np_w[p], costs[p], data.np_us[p]
            bs = budgets[idx]
            avail = ww @ bs
            bad[runs[np.abs(avail - cost) <= _TIE_TOL * cost]] = True
            short = avail < cost
            if short.all():
                g.alive.discard(p)
                continue
            ucol = u if np.ndim(u) == 0 else u[:, None]
            twu = data.np_twu[p]
            # rho only grows during a run: start from its last value (a lower bound)
            start = np.where(short, 0.0, bounds[p])
            poor = bs < start * ucol
            some = poor.any(axis=0)
            rho = np.full(width, cost / twu)
            if some.any():
                # poor/rich fixed point, as in _run_float, for the runs that have poor supporters
                wu, cols = data.np_wu[p], runs[some]
                if some.all():
                    sub = bs
                else:
                    sub, poor = bs[:, some], poor[:, some]
                while True:
                    denom = twu - wu @ poor
                    bad[cols[denom <= 0]] = True
                    rho_s = (cost - ww @ (sub * poor)) / denom
                    grown = sub < rho_s * ucol
                    if not (grown & ~poor).any():
                        break
                    poor |= grown
                rho[some] = rho_s
            rho[short | ~(rho > 0)] = np.inf
            bounds[p] = rho
            computed.append((p, rho))
            gathered[p] = bs
            better = (rho < best) | ((rho == best) & (ranks[p] < ranks[chosen]) & (rho < np.inf))
            best = np.where(better, rho, best)
            chosen = np.where(better, p, chosen)
        for p, rho in computed:
            close = (chosen != p) & (rho - best <= _TIE_TOL * best) & (best < np.inf)
            bad[runs[close]] = True
        for r in np.flatnonzero(chosen < 0):
            results[runs[r]] = list(g.selected)
        values = np.unique(chosen[chosen >= 0])
        if len(values) == 1 and (chosen >= 0).all() and (keep is None or int(values[0]) in keep):
            g.pending = (int(values[0]), best, gathered[int(values[0])])
            stack.append(g)
            continue
        for v in values:
            mask = chosen == v
            if keep is not None and int(v) not in keep:
                for r in runs[mask]:
                    results[r] = int(v)
                continue
            stack.append(_Group(runs[mask], budgets[:, mask], bounds[:, mask], set(g.alive),
                                list(g.selected), (int(v), best[mask], gathered[int(v)][:, mask])))
    return [None if bad[r] else results[r] for r in range(k)]


# --------------------------------------------------------------------------- drivers


@dataclass
class MESOutcome:
    """Funded project ids in order, the per-voter budget of the last run, and run counts."""

    winners: list[str]
    voter_budget: Fraction
    runs: int = 0
    exact_runs: int = 0


def _run(data: MESData, beta: Fraction, exact: bool,
         need: float = math.inf) -> tuple[list[int], float, bool]:
    """Outcome at ``beta`` and the next beta where it may change (``beta`` itself when unknown;
    not looked for beyond ``need``, see :func:`_run_float`)."""
    try:
        sel, change = run_float(data, float(beta), need)
    except _NearTie:
        return run_exact(data, beta), float(beta), True
    if exact:
        sel_exact = run_exact(data, beta)
        if sel_exact != sel:
            return sel_exact, float(beta), True
        return sel_exact, change, True
    return sel, change, False


_BATCH_MAX = 256
_BATCH_CELLS = 4_000_000  # ballots x runs of one batch (32 MB of float64)


def _probe(data: MESData, beta: float) -> list[int]:
    """The candidates a float run buys at ``beta`` (none when it meets a near tie: the guess
    is only used to merge ballots, and a wrong guess is corrected by re-running)."""
    try:
        return run_float(data, beta, math.inf)[0]
    except _NearTie:
        return []


class _Runner:
    """Traced runs for Add1 (:func:`_run` plus the run's :class:`_Trace`), in floating point
    on ballots merged by the candidates of ``keep`` they approve (see :func:`_classes`; a run
    that buys another candidate adds it to ``keep`` and runs again)."""

    def __init__(self, data: MESData, exact: bool) -> None:
        self.data, self.exact = data, exact
        self.keep: set[int] = set()
        self.merged: MESData | None = None

    def __call__(self, beta: Fraction, need: float,
                 ref: list[float] | None) -> tuple[list[int], float, bool, _Trace | None]:
        """Outcome at ``beta``, next beta where it may change (see :func:`_run`), whether an
        exact run decided, and the trace (``None`` after a near tie)."""
        data = self.data
        while True:
            trace = _Trace(ref)
            try:
                with np.errstate(divide="ignore", invalid="ignore"):
                    sel, change = _run_float(self.merged or data, float(beta), need, trace)
            except _NearTie:
                return run_exact(data, beta), float(beta), True, None
            if self.merged is None or self.keep.issuperset(sel):
                break
            self.keep.update(sel)
            self.merged = _classes(data, self.keep)
        if self.merged is None and not self.keep and sel:  # the first run: merge from now on
            self.keep.update(sel)
            self.merged = _classes(data, self.keep)
        if self.exact:
            sel_exact = run_exact(data, beta)
            if sel_exact != sel:
                return sel_exact, float(beta), True, None
        return sel, change, self.exact, trace


def _certified(low: _Trace, high: _Trace) -> bool:
    """Whether two runs with the same purchases, at betas ``L < R``, prove that every beta
    between them gives the same outcome.

    Along a fixed sequence of purchases every budget is non-decreasing in beta (a purchase's
    price only falls when its supporters have more), so on ``[L, R]`` the price of each
    purchase is at most its price at ``L`` and each rival's at least its price at ``R``: when
    the former is below the latter at every step (with a margin far above rounding error),
    the same project wins every step, and projects unaffordable at ``R`` are so at ``L``."""
    margin = 1.0 + 16 * _TIE_TOL
    return len(low.prices) == len(high.rivals) and all(
        p * margin < r for p, r in zip(low.prices, high.rivals, strict=True))


def _add1_visits(data: MESData, beta0: Fraction, step: Fraction,
                 exact: bool) -> Iterator[tuple[Fraction, list[int], float, bool]]:
    """The per-voter budgets Add1 looks at, in increasing order, with their outcomes:
    ``(beta, funded candidates, beta below which the outcome cannot change, exact?)``; every
    budget of the Add1 sequence that is skipped has the outcome of the one yielded before it.

    A tracked run says how far the outcome provably stays the same (while the poor/rich
    split of each purchase is unchanged): Add1 jumps there. When that is the next budget
    (the usual case on large cities: some supporter's split changes at almost every step),
    the next budgets are run as one vectorised batch (:func:`run_float_batch`), doubling its
    size each time up to 256 runs and 4 million ballot x run cells; when a whole batch keeps
    the outcome, Add1 gallops instead (:func:`_gallop`) until the outcome changes."""
    k, stride, size = 0, 1 if exact else 0, 8
    keep: set[int] = set()  # for the batches: see run_float_batch
    cap = max(1, min(_BATCH_MAX, _BATCH_CELLS // max(1, len(data.weights))))
    runner = _Runner(data, exact)
    pace = _Pace()
    sel, change, used, trace = runner(beta0, float(beta0 + step), None)
    yield beta0, sel, change, used
    while not math.isinf(change):
        target = (change - float(beta0)) / float(step)
        following = math.ceil(target - 1e-7 * max(1.0, abs(target)))
        if stride == 0 and following <= k + 1:
            keep.update(sel)
            betas = [beta0 + (k + 1 + j) * step for j in range(size)]
            same = True
            for beta_j, sel_j, used_j in _batch(data, betas, keep, pace):
                same = same and sel_j == sel
                yield beta_j, sel_j, float(beta_j + step), used_j
            following = k + size + 1
            stride, size = (size, 8) if same else (0, min(2 * size, cap))
        if following > k + 1 and following - k >= stride:
            k = following
            beta = beta0 + k * step
            sel, change, used, trace = runner(beta, float(beta + step), None)
            yield beta, sel, change, used
            continue
        done, same, run, failed_now = _gallop(runner, beta0, step, k, stride, sel, trace,
                                              following - k)
        sel, change, used, trace = run
        if same is not None:  # grow the stride after a first-try success, else keep it
            stride = (done if failed_now else 2 * done) if same else (1 if exact else 0)
        k += done
        yield beta0 + k * step, sel, change, used


def _gallop(runner: _Runner, beta0: Fraction, step: Fraction, k: int, stride: int,
            sel: list[int], trace: _Trace | None,
            proven: int) -> tuple[int, bool | None, tuple, int]:
    """From step ``k`` (outcome ``sel``), the largest ``s <= stride`` (halving) such that
    :func:`_certified` proves the outcome constant up to step ``k + s``, or 1, or ``proven``
    when the outcome is already known to be constant below ``k + proven``; returns ``s``,
    whether it was proved (``None``: ``proven``), the traced run at ``k + s`` and the last
    step that failed."""
    s, failed = max(1, stride), 0
    while True:
        if 1 < proven >= s:
            beta = beta0 + (k + proven) * step
            return proven, None, runner(beta, float(beta + step), None), failed
        beta = beta0 + (k + s) * step
        run = runner(beta, float(beta + step), trace.prices if trace is not None else None)
        same = (trace is not None and run[3] is not None and run[0] == sel
                and _certified(trace, run[3]))
        if same or s == 1:
            return s, same, run, failed
        failed = k + s
        s //= 2


class _Pace:
    """How Add1 runs its next budgets: one run at a time (which stops where Add1 stops) or
    a batch (vectorised over the budgets on merged ballots, but computed whole, and its size
    doubles while the outcome keeps changing, so it overshoots Add1's stop). The outcomes
    are the same either way. Batches pay only where a single run is slow (Warszawa 2026:
    17 ms a run, 6 ms a budget in a batch); where runs take a few milliseconds (Łódź,
    Kraków, Amsterdam) a batch costs as much per budget and computes up to twice as many.
    So single runs are used, timed, unless they take more than ``_BATCH_FROM`` CPU-s."""

    def __init__(self) -> None:
        self.one: float | None = None  # the mean CPU-s of the single runs so far

    def single(self, run: Callable[..., Any], *args: Any) -> Any:
        """``run(*args)``, timed as a single run."""
        start = time.process_time()
        result = run(*args)
        spent = time.process_time() - start
        self.one = spent if self.one is None else (self.one + spent) / 2
        return result

    def prefers_single(self) -> bool:
        return self.one is not None and self.one < _BATCH_FROM


def _batch(data: MESData, betas: list[Fraction], keep: set[int],
           pace: _Pace) -> Iterator[tuple[Fraction, list[int], bool]]:
    """The outcomes of ``betas`` from :func:`run_float_batch` (near ties re-run alone), or
    from single runs when ``pace`` finds them cheaper or merging ballots would not pay."""
    if pace.one is None:  # a first single run, to compare with the batches
        sel, _, used = pace.single(_run, data, betas[0], False)
        yield betas[0], sel, used
        betas = betas[1:]
        if not betas:
            return
    if pace.prefers_single() or _ballot_classes(data, keep) is None:
        # one at a time: stops where the caller stops (Amsterdam's long ballots, Łódź)
        for beta in betas:
            sel, _, used = pace.single(_run, data, beta, False)
            yield beta, sel, used
        return
    # the candidates bought at the last budget of the batch are probably all needed
    keep.update(_probe(data, float(betas[-1])))
    results = run_float_batch(data, [float(x) for x in betas], keep)
    while True:  # runs that bought a candidate outside ``keep``: again with it
        missed = {j: r for j, r in enumerate(results) if isinstance(r, int)}
        if not missed:
            break
        keep.update(missed.values())
        again = run_float_batch(data, [float(betas[j]) for j in missed], keep)
        for j, r in zip(missed, again, strict=True):
            results[j] = r
    for beta_j, sel_j in zip(betas, results, strict=True):
        used = False
        if not isinstance(sel_j, list):
            sel_j, _, used = _run(data, beta_j, exact=False)
        yield beta_j, sel_j, used


def _disjoint(data: MESData) -> list[tuple[Fraction, Fraction, int]] | None:
    """When no ballot supports two candidates (choose-1 ballots, or ballots naming one
    project each) and each candidate's supporters share one utility (cost, cardinality): per
    candidate, the per-voter budget from which its supporters can pay it, its price per unit
    of utility and its tie-breaking rank; else ``None``.

    Such an election has a closed form. Supporters of two candidates never overlap, so a
    purchase leaves every other candidate's supporters untouched: at a per-voter budget
    ``beta`` MES funds exactly the candidates whose ``W`` supporters (with multiplicity) have
    ``W * beta >= cost``, each paid by all of them alike (price ``cost / (W * u)``), in
    increasing price, then rank."""
    total = sum(map(len, data.supporters))
    if total > len(data.weights):
        return None
    seen: set[int] = set()
    for backers in data.supporters:
        seen.update(backers if isinstance(backers, list) else backers.tolist())
    if len(seen) != total:
        return None
    items = []
    weights = data.weights
    for backers, utilities, cost, rank in zip(data.supporters, data.utilities, data.costs,
                                              data.rank, strict=True):
        if utilities.count(utilities[0]) != len(utilities):
            return None
        weight = sum(weights[i] for i in backers)
        items.append((Fraction(cost) / weight, Fraction(cost) / (weight * utilities[0]), rank))
    return items


def _disjoint_visits(items: list[tuple[Fraction, Fraction, int]], beta0: Fraction,
                     step: Fraction) -> Iterator[tuple[Fraction, list[int], float, bool]]:
    """:func:`_add1_visits` for the closed form of :func:`_disjoint`, in exact arithmetic:
    from ``beta0``, each budget of the Add1 sequence at which the outcome changes."""
    thresholds = sorted({threshold for threshold, _, _ in items})
    order = sorted(range(len(items)), key=lambda p: items[p][1:])  # price, then rank
    k, next_change = 0, 0
    while True:
        beta = beta0 + k * step
        while next_change < len(thresholds) and thresholds[next_change] <= beta:
            next_change += 1
        funded = [p for p in order if items[p][0] <= beta]
        if next_change == len(thresholds):
            yield beta, funded, math.inf, True
            return
        change = thresholds[next_change]
        yield beta, funded, float(change), True
        k = math.ceil((change - beta0) / step)


def _totals(data: MESData, sat: str) -> dict[str, Number] | None:
    """Each project's total satisfaction (as ``total_satisfaction``) from the supporters MES
    indexed, for cost and cardinality utilities; ``None`` when they do not tell it all (a
    zero-cost project supported under cardinality utilities is not among them)."""
    if sat not in ("cost", "cardinality") or (data.free and sat == "cardinality"):
        return None
    totals: dict[str, Number] = dict.fromkeys(data.instance.projects, 0)
    weights = data.weights
    if data.supporter_arrays is not None:
        w_int = np.asarray(weights, dtype=np.int64)
        counts = [int(w_int[backers].sum()) for backers in data.supporter_arrays]
    else:
        counts = [sum(map(weights.__getitem__, backers)) for backers in data.supporters]
    for p, count, utilities in zip(data.candidates, counts, data.utilities, strict=True):
        totals[p] = utilities[0] * count
    return totals


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
    plain = completion in ("none", "utilitarian")
    data = prepare(instance, profile, sat, tie_key, arrays=False)
    small = plain and sum(map(len, data.supporters)) <= _SMALL
    disjoint = None if plain else _disjoint(data)
    if not small and disjoint is None:
        _arrays(data)
    budget = instance.budget
    n = data.n_voters
    if n == 0:
        return MESOutcome([], Fraction(0))
    beta0 = Fraction(budget) / n

    def names(sel: list[int]) -> list[str]:
        return data.free + [data.candidates[i] for i in sel]

    if small:
        outcome = MESOutcome(names(run_exact(data, beta0)), beta0, 1, 1)
    elif plain:
        sel, _, used_exact = _run(data, beta0, exact)
        outcome = MESOutcome(names(sel), beta0, 1, int(used_exact))
    else:
        stop_when_exhaustive = completion in ("add1-exhaustive", "add1u")
        previous: MESOutcome | None = None
        exact_runs = 0
        visits = (_add1_visits(data, beta0, Fraction(increment), exact) if disjoint is None
                  else _disjoint_visits(disjoint, beta0, Fraction(increment)))
        for runs, (beta, sel, change, used_exact) in enumerate(visits, start=1):
            exact_runs += int(used_exact)
            current = MESOutcome(names(sel), beta, runs, exact_runs)
            if instance.cost(current.winners) > budget:
                assert previous is not None, "MES overspent at the equal share"
                previous.runs, previous.exact_runs = runs, exact_runs
                # the budgets skipped since the previous run kept its outcome: Add1 ends on
                # the one just before this run's (whether the runs came one by one or not)
                previous.voter_budget = beta - Fraction(increment)
                outcome = previous
                break
            if stop_when_exhaustive and _is_exhaustive(data, current.winners, budget):
                outcome = current
                break
            if len(sel) == len(data.candidates) or math.isinf(change) or runs >= max_runs:
                outcome = current
                break
            previous = current
    if completion in ("utilitarian", "add1u"):
        from parlons.core.budgeting.greedy import greedy_utilitarian

        outcome.winners = greedy_utilitarian(
            instance, profile, sat=sat, tie_key=tie_key, initial=outcome.winners,
            totals=_totals(data, sat))
    return outcome
