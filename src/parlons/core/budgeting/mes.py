"""Method of Equal Shares (MES) with the completions used in practice.

Every voter receives an equal share of the budget. Projects are bought one at a time: the next
one is the project whose cost its supporters can cover with the lowest price per unit of utility
(its *affordability* rho: each supporter pays ``min(budget, rho * utility)``); ties are broken by
a tie-breaking key (see :mod:`parlons.core.budgeting.ties`). Projects whose supporters cannot pay
for them any more are dropped; MES stops when no project is affordable.

Two engines compute the same outcome:

- an exact one (Python ``Fraction``), the reference;
- a fast one (NumPy ``float64``, :mod:`parlons.core.budgeting.mes_float`) over merged ballots
  and per-project supporter indexes. When two candidates are within 1e-9 (relative) of a tie,
  it defers to the exact one. For Add1 it tracks every budget as an affine function
  ``a + c * beta`` of the initial per-voter budget ``beta``, so a run also yields the beta
  below which its outcome cannot change: Add1 jumps straight there instead of adding 1 per
  voter and re-running (in the spirit of "Streamlining Equal Shares", Kraiczy, Robinson,
  Elkind 2025), and the run at the next budget redoes only the purchases that may differ.

Small elections without completion use the exact engine only and do not import NumPy.

Completions: ``none``; ``add1`` (raise every voter's budget by 1 while the outcome stays within
the real budget, the variant that reproduces the official results); ``add1-exhaustive`` (same,
but stop at the first exhaustive outcome, pabutools' ``voter_budget_increment=1``);
``utilitarian`` (then greedy utilitarian welfare on what is left); ``add1u`` (``add1-exhaustive``
then greedy utilitarian welfare).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    np_twu: list[float] = field(default_factory=list)
    #: per candidate: the utility as one float when all supporters share it (cost and
    #: cardinality utilities), else one per supporter; weight times utility; the cost as a
    #: float
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


def _root(value: float, slope: float, beta: float) -> float:
    """Smallest beta' >= ``beta`` where ``value + slope * (beta' - beta)`` changes sign
    (``inf``: none)."""
    if (value < 0 < slope) or (slope < 0 < value):
        return beta - value / slope
    if value == 0 and slope != 0:
        return beta
    return math.inf


def run_float(data: MESData, beta: float) -> tuple[list[int], float]:
    """One MES run at ``beta`` in floating point (see
    :mod:`parlons.core.budgeting.mes_float`): the funded candidates, and ``inf``. Raises
    ``_NearTie`` when a decision is within rounding error."""
    from parlons.core.budgeting.mes_float import FloatRun

    return FloatRun(data, track=False).run(beta)


# --------------------------------------------------------------------------- drivers


@dataclass
class MESOutcome:
    """Funded project ids in order, the per-voter budget of the last run, and run counts."""

    winners: list[str]
    voter_budget: Fraction
    runs: int = 0
    exact_runs: int = 0


def _run(data: MESData, beta: Fraction, exact: bool) -> tuple[list[int], bool]:
    """The outcome at ``beta`` (in floating point, unless near a tie or ``exact``), and
    whether an exact run decided it."""
    if exact:
        return run_exact(data, beta), True
    try:
        return run_float(data, float(beta))[0], False
    except _NearTie:  # too close to call in floating point: the exact engine decides
        return run_exact(data, beta), True


def _add1_visits(data: MESData, beta0: Fraction, step: Fraction,
                 exact: bool) -> Iterator[tuple[Fraction, list[int], float, bool]]:
    """The per-voter budgets Add1 looks at, in increasing order, with their outcomes:
    ``(beta, funded candidates, beta below which the outcome cannot change, exact?)``; every
    budget of the Add1 sequence that is skipped has the outcome of the one yielded before it.

    Each run is resumed from the previous one (see :mod:`parlons.core.budgeting.mes_float`)
    and says how far its outcome provably stays the same: Add1 jumps to the first budget of
    its sequence at or past that point. ``exact``: each outcome is checked by an exact run
    (which then decides)."""
    from parlons.core.budgeting.mes_float import FloatRun

    runs = FloatRun(data)
    k = 0
    while True:
        beta = beta0 + k * step
        try:
            sel, change = runs.run(float(beta), need=float(beta + step))
            used = False
        except _NearTie:
            sel, change, used = run_exact(data, beta), float(beta), True
        if exact and not used:
            sel_exact, used = run_exact(data, beta), True
            if sel_exact != sel:
                sel, change = sel_exact, float(beta)
        yield beta, sel, change, used
        if math.isinf(change):
            return
        target = (change - float(beta0)) / float(step)
        k = max(k + 1, math.ceil(target - 1e-7 * max(1.0, abs(target))))


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
        sel, used_exact = _run(data, beta0, exact)
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
