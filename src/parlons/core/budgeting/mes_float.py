"""MES in floating point (NumPy) over merged ballots, with runs that resume.

One run buys projects one at a time as :func:`parlons.core.budgeting.mes.run_exact` does, on
``float64`` budgets, computing each candidate's price only when its lower bound (the last
price computed, which only grows during a run) says it could win. A decision within 1e-9
(relative) of a tie raises ``_NearTie``: the caller re-runs it exactly.

Add1 asks for runs at increasing per-voter budgets ``beta``. A *tracked* run
(``track=True``) keeps every budget as an affine function ``a + c * beta`` and records, per
purchase, what it changed and the smallest beta at which *that purchase* may differ:

- a poor supporter of the winner (one who pays all it has) becomes rich; a rich one stays
  rich, since its budget grows at least as fast as its share falls;
- a project dropped there (its supporters could not pay it) becomes affordable;
- a rival's price meets the winner's (the winner's price is affine while its split holds; a
  rival's is convex in beta, so its tangent is a lower bound: see below).

The run at a larger beta then keeps every purchase before the first one whose limit it
reaches, with the same payments as affine functions of beta, undoes the later ones and
resumes from there (budgets set to ``a + c * beta``). Where no limit is reached the outcome
is the same, and Add1 jumps past those budgets without a run. On Katowice's cumulative
ballots some late purchase's split changes at almost every Add1 step: a run there redoes the
last six purchases of thirteen, on average. A run also stops tracking once it has found a
limit at or below the next budget Add1 will look at anyway (``need``): the purchases after
that one will be redone there, so they are made on plain budgets, without recording.

Why the kept purchases are those of a fresh run: along a fixed sequence of purchases with
fixed poor/rich splits, every budget is affine and non-decreasing in beta, and a project's
price solves ``sum_i w_i min(b_i, rho u_i) = cost``, whose left side is jointly concave in
(rho, beta): the price is convex in beta, and a tangent kept from an earlier purchase is a
lower bound of the project's price at every later purchase (prices only grow during a run).
So while no limit of purchases ``0..t-1`` is reached, they make the same decisions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from parlons.core.budgeting.mes import _TIE_TOL, _NearTie, _root

if TYPE_CHECKING:
    from parlons.core.budgeting.mes import MESData
    from parlons.core.budgeting.model import Number

#: a purchase whose limit lies within this (relative) distance of the new beta is redone
_MARGIN = 1e-7


class _Purchase:
    """One step of a tracked run: the state before it, what it changed, and its limit."""

    __slots__ = ("alive", "bounds", "chosen", "idx", "old_a", "old_c", "limit")

    def __init__(self, alive: set[int],
                 bounds: tuple[list[float], list[float]] | None) -> None:
        self.alive = alive  # the candidates still alive before the step
        self.bounds = bounds  # price tangents before it: intercepts, slopes (None: untracked)
        # (an untracked step keeps no state: it is never resumed from; its limit stays inf)
        self.chosen = -1  # the candidate bought (-1: none, the run ended)
        self.idx: Any = None  # its supporters
        self.old_a: Any = None  # their budgets before the purchase, as a + c * beta
        self.old_c: Any = None
        self.limit = math.inf  # the smallest beta at which this step may differ


class FloatRun:
    """MES runs on ``data`` in floating point; with ``track``, at non-decreasing betas,
    each resumed from the first purchase that may differ from the previous run's."""

    def __init__(self, data: MESData, track: bool = True) -> None:
        self.data, self.track = data, track
        n = len(data.weights)
        self.a = np.zeros(n) if track else None  # budgets: a + c * beta
        self.c = np.ones(n) if track else None
        self.steps: list[_Purchase] = []
        self.purchases = 0  # purchases computed over all runs
        self._twu: dict[int, Number] = {}  # exact total weighted utilities (see _tie)

    def run(self, beta: float, need: float = -math.inf) -> tuple[list[int], float]:
        """The funded candidates at ``beta`` and a beta below which the outcome cannot
        differ (``inf`` untracked). ``need``: the next beta the caller will ask for anyway;
        once the run finds a limit at or below it, its later purchases are made untracked
        (they will be redone then). Raises ``_NearTie`` on a near tie (a tracked run then
        starts afresh next time)."""
        alive, intercepts, slopes = self._rewind(self._first_stale(beta))
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                self._purchases(beta, need, alive, intercepts, slopes)
        except _NearTie:
            self._rewind(0)
            raise
        selected = [s.chosen for s in self.steps if s.chosen >= 0]
        return selected, min(s.limit for s in self.steps)

    def _first_stale(self, beta: float) -> int:
        """The first purchase whose limit ``beta`` reaches; 0 (a fresh run) when there is
        none: on a first run, or below an earlier run's ``need`` (its untracked purchases,
        whose limit is unknown, follow a tracked one whose limit is at most ``need``)."""
        reach = beta + _MARGIN * max(1.0, abs(beta))
        for t, step in enumerate(self.steps):
            if step.limit <= reach:
                return t
        return 0

    def _rewind(self, start: int) -> tuple[set[int], list[float], list[float]]:
        """Back to the state before purchase ``start`` (undoing the later ones): the alive
        candidates and the price tangents (intercepts, slopes) at that point."""
        if start == 0:
            self.steps.clear()
            if self.track:
                self.a[:] = 0.0
                self.c[:] = 1.0
            data = self.data
            m = len(data.candidates)
            return (set(range(m)), [data.float_costs[p] / data.np_twu[p] for p in range(m)],
                    [0.0] * m)
        kept = self.steps[start]
        while len(self.steps) > start:
            step = self.steps.pop()
            if step.old_a is not None:
                self.a[step.idx] = step.old_a
                self.c[step.idx] = step.old_c
        return set(kept.alive), list(kept.bounds[0]), list(kept.bounds[1])

    def _purchases(self, beta: float, need: float, alive: set[int],
                   intercepts: list[float], slopes: list[float]) -> None:
        """Make the purchases from the current state at ``beta``, recording each; tracked
        while no limit found is at or below ``need``."""
        data, a, c = self.data, self.a, self.c
        track = self.track and min((s.limit for s in self.steps), default=math.inf) > need
        b = a + c * beta if self.track else np.full(len(data.weights), beta)
        while True:
            step = (_Purchase(set(alive), (list(intercepts), list(slopes))) if track
                    else _Purchase(alive, None))
            self.steps.append(step)
            self.purchases += 1
            chosen, best, best_a, best_c, poor, held = self._choose(
                beta, b, alive, intercepts, slopes, step, track)
            if chosen < 0:
                return
            step.chosen = chosen
            alive.discard(chosen)
            idx, u = data.np_idx[chosen], data.np_us[chosen]
            if not track:
                b[idx] = np.maximum(held - best * u, 0.0)
                continue
            old_a, old_c = a[idx], c[idx]
            new_a, new_c = old_a - best_a * u, old_c - best_c * u
            if poor is not None:
                # a poor supporter becomes rich where its budget reaches its share:
                # beta + (share - budget) / (slope of what it would keep)
                short = best * (u if isinstance(u, float) else u[poor]) - held[poor]
                step.limit = min(step.limit, beta + float((short / new_c[poor]).min()))
                new_a[poor] = 0.0
                new_c[poor] = 0.0
            a[idx], c[idx] = new_a, new_c
            b[idx] = new_a + new_c * beta
            step.idx, step.old_a, step.old_c = idx, old_a, old_c
            track = step.limit > need  # later purchases will be redone: untracked

    def _choose(self, beta: float, b: Any, alive: set[int], intercepts: list[float],
                slopes: list[float], step: _Purchase,
                track: bool) -> tuple[int, float, float, float, Any, Any]:
        """The next purchase at ``beta``: the candidate (-1: none), its price, the price's
        intercept and slope in beta, its poor supporters (a mask; ``None``: none) and its
        supporters' budgets.
        Drops unaffordable candidates from ``alive``; tracked, sets ``step.limit`` to the
        first beta where a drop or a rival may change."""
        data, c = self.data, self.c
        costs, rank = data.float_costs, data.rank
        order = sorted(alive, key=lambda p: intercepts[p] + slopes[p] * beta)
        tol = 1.0 + _TIE_TOL
        best, best_a, best_c, chosen, chosen_poor, held = math.inf, 0.0, 0.0, -1, None, None
        computed: list[tuple[int, float, float]] = []
        lazy: list[int] = []
        limit = math.inf
        for j, p in enumerate(order):
            lower = intercepts[p] + slopes[p] * beta
            if lower > best * tol:
                lazy = order[j:]
                break
            idx, ww, cost = data.np_idx[p], data.np_w[p], costs[p]
            bs = b[idx]
            avail = float(ww.dot(bs))
            if avail < cost:
                if cost - avail <= _TIE_TOL * cost:
                    raise _NearTie
                if track:
                    limit = min(limit, _root(avail - cost, float(ww.dot(c[idx])), beta))
                alive.discard(p)
                continue
            if avail - cost <= _TIE_TOL * cost:
                raise _NearTie
            rho, rho_a, rho_c, poor = self._price(p, idx, bs, lower, beta, track)
            intercepts[p], slopes[p] = rho_a, rho_c
            computed.append((p, rho, rho_c))
            if rho < best or (rho == best and rank[p] < rank[chosen]):
                best, best_a, best_c, chosen, chosen_poor, held = rho, rho_a, rho_c, p, poor, bs
        for p, rho, _ in computed:
            if p != chosen and rho - best <= _TIE_TOL * best and not self._tie(p, chosen, b):
                raise _NearTie
        if chosen >= 0 and track:
            for p, rho, rho_c in computed:
                if p != chosen:
                    limit = min(limit, _root(rho - best, rho_c - best_c, beta))
            for p in lazy:  # above the winner's price: a root only if falling faster
                fall = slopes[p] - best_c
                if fall < 0:
                    limit = min(limit, beta - (intercepts[p] + slopes[p] * beta - best) / fall)
        step.limit = limit
        return chosen, best, best_a, best_c, chosen_poor, held

    def _tie(self, p: int, q: int, b: Any) -> bool:
        """Whether candidates ``p`` and ``q`` have exactly the same price: each has only
        rich supporters (budgets clearly above their share, far beyond rounding), so its
        price is ``cost / sum(w u)`` exactly, and the two fractions are equal (common under
        cost utilities: every such price is 1 / its number of supporters). The float prices
        are then equal too, and the tie-breaking rank has decided."""
        data, exact = self.data, self._exact_twu
        for r in (p, q):
            u = data.np_us[r]
            share = data.float_costs[r] / data.np_twu[r] * u * (1.0 + 1e3 * _TIE_TOL)
            if np.count_nonzero(b[data.np_idx[r]] < share):
                return False
        return data.costs[p] * exact(q) == data.costs[q] * exact(p)

    def _exact_twu(self, p: int) -> Number:
        """Candidate ``p``'s total weighted utility, exactly (cached)."""
        cache = self._twu
        if p not in cache:
            data = self.data
            supporters = data.supporters[p]
            if not isinstance(supporters, list):
                supporters = supporters.tolist()
            cache[p] = sum(data.weights[i] * u for i, u in zip(supporters, data.utilities[p],
                                                                strict=True))
        return cache[p]

    def _price(self, p: int, idx: Any, bs: Any, lower: float, beta: float,
               track: bool) -> tuple[float, float, float, Any]:
        """Candidate ``p``'s price at its supporters' budgets ``bs`` at ``beta`` (``lower``:
        a lower bound of the price), the price's intercept and slope in beta while its poor/rich split
        holds (tracked; else the price and 0), and its poor supporters (a mask; ``None``:
        none)."""
        data = self.data
        cost, u, twu = data.float_costs[p], data.np_us[p], data.np_twu[p]
        rho = cost / twu
        # those poor at a lower bound of the price are poor at the price
        poor = bs < max(rho, lower) * u
        count = np.count_nonzero(poor)
        if not count:
            return rho, rho, 0.0, None
        # poor/rich fixed point: the poor pay all they have, the rich pay rho * u; rho
        # only grows and the poor set only grows, so this ends (in a few rounds)
        wu, ww = data.np_wu[p], data.np_w[p]
        paid_all = ww * bs  # what each supporter would pay if poor
        while True:
            denom = twu - float(wu.dot(poor))
            if denom <= 0:
                raise _NearTie
            rho = (cost - float(paid_all.dot(poor))) / denom
            now = bs < rho * u  # (a superset of poor: rho grew)
            grown = np.count_nonzero(now)
            if grown == count:
                break
            poor |= now
            count = np.count_nonzero(poor)
        if not track:
            return rho, rho, 0.0, poor
        # the poor pay their budgets a + c * beta: the price falls by sum(w c) / denom
        slope = -float((ww * poor).dot(self.c[idx])) / denom
        return rho, rho - slope * beta, slope, poor
