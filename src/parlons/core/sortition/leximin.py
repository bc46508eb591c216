"""Maximin and leximin distributions by column generation (Flanigan et al., Nature 2021).

Each stage solves, on HiGHS, the restricted master LP over the panels generated so far
(``lam_P`` = probability of panel ``P``, ``a[P, t] = counts[P, t] / size_t``):

    maximise  z
    s.t.      sum_P a[P, t] lam_P >= z     for every type t not yet fixed
              sum_P a[P, t] lam_P >= f_t   for every fixed type t
              sum_P lam_P = 1,  lam >= 0

Its duals are weights ``y_t >= 0`` (summing to 1 over unfixed types) and a threshold ``yhat``:
a panel enters when ``sum_t a[P, t] y_t > yhat``. New panels come first from the store (panels
deleted from the LP earlier), then from exchange climbs from the best known panels towards
smoothed duals (Wentges), then from the pricing MIP (warm-started, stopped as soon as a panel
beats ``yhat``).
When no panel beats ``yhat`` the stage is optimal, and the types with a positive dual weight are
fixed at the stage's level (complementary slackness: they sit at that level in every optimal
distribution). Panels are columns: the LP only grows by columns and changes row bounds and one
coefficient per fixed type, so HiGHS's primal simplex restarts from the previous basis, whose
size (types + 1) does not grow with the number of panels.

Before any column generation, :mod:`parlons.core.sortition.relaxation` computes the leximin
point of the LP relaxation ``Q`` of the quota polytope (an upper bound in the leximin order)
and tries to decompose it into panels: when it succeeds, that point is the exact leximin and
no master LP is needed. Otherwise column generation starts from the panels found, and while
its stages reach the relaxation's levels it fixes the relaxation's types (they sit at that
level in every optimum of ``Q``, hence in every optimum over panels).
"""

from __future__ import annotations

import time

import numpy as np

from parlons.core.sortition.distribution import ColumnStore, Distribution
from parlons.core.sortition.model import Instance
from parlons.core.sortition.oracle import MasterLP, PanelOracle
from parlons.core.sortition.relaxation import (
    FIX_TOLERANCE,
    LEVEL_SLACK,
    QuotaRelaxation,
    RelaxedStage,
    decompose,
)
from parlons.core.sortition.swaps import SwapSearch

PRICING_TOLERANCE = 1e-7   # a panel must beat yhat by this much to enter
KEEP_COLUMNS = 2           # the LP keeps at most this many columns per row (beyond: pruned)
SMOOTHING = 0.5            # weight of the stability centre in the pricing duals (Wentges)
HEURISTIC_STARTS = 12      # exchange climbs per pricing round, from the best known panels
POOL_COLUMNS = 10          # improving panels of the store brought back per round
RELAXED_TOLERANCE = 1e-7   # largest probability error accepted from the relaxation's path


def _initial_panels(oracle: PanelOracle, store: ColumnStore, count: int) -> None:
    """Seed the column set with panels favouring rare types (deterministic)."""
    rng = np.random.default_rng(20210804)
    weights = 1.0 / oracle.sizes
    for _ in range(count):
        found = oracle.best(weights * (0.5 + rng.random(oracle.n_types)))
        if found is None:
            break
        store.add(found[0])
        weights = weights * np.where(found[0] > 0, 0.5, 1.0)


def warm_start(oracle: PanelOracle, search: SwapSearch, store: ColumnStore,
               extra: int | None = None, deadline: float | None = None) -> np.ndarray:
    """Cheap, diverse starting panels (deterministic); returns which types some panel contains.

    First every type is covered: exchanges from known panels towards the types no panel holds
    yet (the MIP only when exchanges fail, and proves a type unreachable when it finds none).
    Then ``extra`` panels (default: half the number of types) climb towards the gradient of the
    Nash welfare of the uniform mixture so far, which favours the least-covered types.
    Past ``deadline`` (a ``time.perf_counter()`` value) it raises :class:`TimeoutError`.
    """
    rng = np.random.default_rng(20210804)
    sizes = oracle.sizes.astype(float)
    moves = 2 * oracle.instance.panel_size
    if not len(store):
        found = oracle.best(1.0 / sizes)
        if found is None:
            return np.zeros(oracle.n_types, dtype=bool)
        store.add(found[0])
    total = np.array(store.counts, dtype=float).sum(axis=0)
    reachable = np.ones(oracle.n_types, dtype=bool)
    while True:
        _check(deadline)
        open_ = reachable & (total == 0)
        if not open_.any():
            break
        weights = open_ * (1.0 + 0.01 * rng.random(oracle.n_types))
        starts = np.array(store.counts) @ weights
        counts = search.improve(store.counts[int(np.argmax(starts))], weights, max_moves=moves)
        if not (counts > 0)[open_].any():
            found = oracle.best(weights)
            counts = found[0] if found is not None else counts
            if not (counts > 0)[open_].any():
                reachable &= ~open_   # no panel contains any of them
                break
        store.add(counts)
        total += counts
    covered = total > 0
    for _ in range(min(oracle.n_types // 4, 100) if extra is None else extra):
        _check(deadline)
        p = total / (len(store) * sizes)
        weights = np.where(covered, 1.0 / (sizes * np.maximum(p, 1e-3)), 0.0)
        weights *= 1.0 + 0.05 * rng.random(oracle.n_types)
        starts = np.array(store.counts[-50:]) @ weights
        start = store.counts[len(store) - len(starts) + int(np.argmax(starts))]
        counts = search.improve(start, weights, max_moves=moves)
        if store.add(counts):
            total += counts
    return covered


def _check(deadline: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        raise TimeoutError(f"no result within the time limit ({deadline:.0f})")


def _heuristic_columns(search: SwapSearch, store: ColumnStore, lp: MasterLP,
                       climb: np.ndarray, weights: np.ndarray, yhat: float,
                       starts: int = HEURISTIC_STARTS) -> tuple[int, float]:
    """Add panels improving for ``weights`` (above ``yhat``) found by exchanges towards
    ``climb`` (both per member) from the best known panels; how many, and the best
    ``climb`` value seen."""
    added = 0
    values = store.matrix @ (climb * store.sizes)
    threshold = max(float(values.max()), yhat) if climb is not weights else yhat
    best = float(values.max())
    for index in np.argsort(values)[::-1][:starts]:
        counts = search.improve(store.counts[int(index)], climb, threshold + PRICING_TOLERANCE)
        best = max(best, float(climb @ counts))
        if weights @ counts > yhat + PRICING_TOLERANCE:
            index, _ = store.find_or_add(counts)
            added += lp.add_panel(counts / store.sizes, index)
    return added, best


class _Stabiliser:
    """Wentges smoothing of the pricing duals: exchanges climb towards a mix of the LP's duals
    and a stability centre (the duals with the best estimated Lagrangian bound of the stage).

    Only the choice of candidate panels changes: a panel enters only when it improves on the
    LP's own duals, and a stage ends only when the exact pricing MIP at the LP's duals finds
    nothing, so the result is the same optimum.
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.reset()

    def reset(self) -> None:
        self.centre: np.ndarray | None = None
        self.bound = np.inf

    def point(self, y: np.ndarray) -> np.ndarray:
        if self.centre is None or self.alpha <= 0:
            return y
        return self.alpha * self.centre + (1 - self.alpha) * y

    def update(self, y_sep: np.ndarray, best: float, floors: np.ndarray) -> None:
        """Record the bound estimate ``best - sum_t y_t f_t`` at ``y_sep``."""
        bound = best - float(y_sep @ floors)
        if bound < self.bound:
            self.bound, self.centre = bound, y_sep


def _pool_columns(store: ColumnStore, lp: MasterLP, values: np.ndarray, yhat: float) -> int:
    """Bring back improving panels of the store that are not in the LP; how many."""
    candidates = np.flatnonzero(values > yhat + PRICING_TOLERANCE)
    added = 0
    for index in candidates[np.argsort(-values[candidates], kind="stable")][:POOL_COLUMNS]:
        added += lp.add_panel(store.matrix[index], int(index))
    return added


def _price(oracle: PanelOracle, search: SwapSearch | None, store: ColumnStore, lp: MasterLP,
           y: np.ndarray, yhat: float, stabiliser: _Stabiliser) -> int:
    """Add improving panels (pool, exchanges, then the MIP); how many (0: stage optimal)."""
    weights = y / oracle.sizes
    values = store.matrix @ y
    added = _pool_columns(store, lp, values, yhat)
    if search is not None:
        y_sep = stabiliser.point(y)
        if y_sep is not y:
            more, best = _heuristic_columns(search, store, lp, y_sep / oracle.sizes, weights,
                                            yhat)
            stabiliser.update(y_sep, best, lp.floors)
            added += more
        if not added:
            more, best = _heuristic_columns(search, store, lp, weights, weights, yhat)
            stabiliser.update(y, best, lp.floors)
            added += more
    if added:
        return added
    found = oracle.best(weights, start=store.counts[int(np.argmax(values))],
                        target=yhat + PRICING_TOLERANCE)
    if found is None:
        raise RuntimeError("the pricing MIP became infeasible")
    counts, value = found
    if value > yhat + PRICING_TOLERANCE:
        index, _ = store.find_or_add(counts)
        return int(lp.add_panel(counts / oracle.sizes, index))
    return 0


def _relaxed_distribution(instance: Instance, oracle: PanelOracle, algorithm: str,
                          store: ColumnStore, deadline: float | None = None
                          ) -> tuple[Distribution | None, list[RelaxedStage]]:
    """The leximin of ``Q`` decomposed into panels, or ``None`` (panels found kept in
    ``store``) with the relaxation's stages, which bound column generation's."""
    relaxation = QuotaRelaxation(oracle)
    target, stages = relaxation.leximin()
    found = decompose(relaxation, target, deadline=deadline)
    weights = found.weights_over(store)
    if weights is None:
        return None, stages
    reached = weights @ store.matrix
    error = float(np.abs(reached - target / oracle.sizes).max())
    if error > RELAXED_TOLERANCE:
        return None, stages
    stats = {"stages": len(stages), "lp_solves": 0,  # (seconds: set by the caller)
             "pricing_calls": oracle.calls + found.mip_calls, "panels_generated": len(store),
             "method": "relaxation", "relaxation_error": error}
    return Distribution(instance, algorithm, np.array(store.counts), weights, stats), stages


def find_distribution(instance: Instance, algorithm: str = "leximin", *,
                      initial_panels: int = 3, time_limit: float | None = None,
                      use_swaps: bool = True, max_columns: int | None = None,
                      relaxation: bool = True) -> Distribution:
    """Maximin or leximin distribution over feasible panels.

    With ``relaxation`` (default) the leximin of the LP relaxation is tried first (see the
    module's docstring); a leximin distribution is also a maximin one, so both algorithms
    return it when it is exact. Column generation (maximin: first stage only) is the
    fallback. ``max_columns`` caps the master LP's columns (default: ``KEEP_COLUMNS`` per
    row, at least 100); basic columns are never deleted, so any cap gives the same optimum.
    """
    if algorithm not in ("maximin", "leximin"):
        raise ValueError(f"unknown algorithm {algorithm!r}")
    start = time.perf_counter()
    oracle = PanelOracle(instance)
    if oracle.best(np.zeros(oracle.n_types)) is None:
        from parlons.core.sortition.feasibility import infeasible_error

        raise infeasible_error(instance)
    store = ColumnStore(oracle.sizes)
    bounds: list[RelaxedStage] = []
    if relaxation:
        deadline = None if time_limit is None else start + time_limit
        try:
            found, bounds = _relaxed_distribution(instance, oracle, algorithm, store, deadline)
        except TimeoutError:
            raise TimeoutError(f"{algorithm} did not finish within {time_limit} s") from None
        if found is not None:
            found.stats["seconds"] = time.perf_counter() - start
            return found.pruned()
    return _column_generation(instance, algorithm, oracle, store, bounds, start,
                              initial_panels=initial_panels, time_limit=time_limit,
                              use_swaps=use_swaps, max_columns=max_columns)


def _column_generation(instance: Instance, algorithm: str, oracle: PanelOracle,
                       store: ColumnStore, bounds: list[RelaxedStage], start: float, *,
                       initial_panels: int, time_limit: float | None, use_swaps: bool,
                       max_columns: int | None) -> Distribution:
    """Leximin (maximin: first stage) by column generation from the panels in ``store``.

    While each stage reaches the level of the relaxation's stage of the same rank (an upper
    bound as long as the fixed types and levels agree), it ends there and fixes that stage's
    types; from the first stage below, duals decide as usual.
    """
    _initial_panels(oracle, store, initial_panels)
    search = SwapSearch(oracle)
    if use_swaps:
        try:
            warm_start(oracle, search, store,
                       deadline=None if time_limit is None else start + time_limit)
        except TimeoutError:
            raise TimeoutError(f"{algorithm} did not finish within {time_limit} s") from None
    lp = MasterLP(np.ones(oracle.n_types))
    for index, counts in enumerate(store.counts):
        lp.add_panel(counts / oracle.sizes, index)
    keep = (max(KEEP_COLUMNS * (oracle.n_types + 1), 100) if max_columns is None
            else max_columns)
    fixed = np.full(oracle.n_types, np.nan)
    stages = lp_solves = 0
    lam = np.zeros(0)
    stabiliser = _Stabiliser(SMOOTHING)
    following = bool(bounds)
    while np.isnan(fixed).any():
        stages += 1
        stabiliser.reset()
        pruned_at = -np.inf
        bound = bounds[stages - 1] if following and stages <= len(bounds) else None
        while True:
            if time_limit is not None and time.perf_counter() - start > time_limit:
                raise TimeoutError(f"{algorithm} did not finish within {time_limit} s")
            lam, level, y, yhat = lp.solve()
            lp_solves += 1
            at_bound = bound is not None and level >= bound.level - LEVEL_SLACK
            if at_bound or not _price(oracle, search if use_swaps else None, store, lp, y,
                                      yhat, stabiliser):
                break
            if level > pruned_at + 1e-9 and lp.prune(store.matrix[lp.columns] @ y - yhat, keep):
                pruned_at = level   # prune only after progress: no cycling through deletions
        level = max(0.0, level)
        unfixed = np.isnan(fixed)
        if at_bound:
            tight = np.zeros(oracle.n_types, dtype=bool)
            tight[bound.fixed] = True
            tight &= unfixed
        else:
            following = False
            tight = unfixed & (y > FIX_TOLERANCE)
        if not tight.any():
            tight[np.flatnonzero(unfixed)[np.argmax(y[unfixed])]] = True
        reached = lam @ store.matrix[lp.columns]   # the current solution stays feasible
        for t in np.flatnonzero(tight):
            fixed[t] = level
            lp.fix(int(t), max(0.0, min(level, reached[t]) - LEVEL_SLACK))
        if algorithm == "maximin":
            break
    weights = np.zeros(len(store))
    weights[lp.columns] = lam
    stats = {"seconds": time.perf_counter() - start, "stages": stages, "lp_solves": lp_solves,
             "pricing_calls": oracle.calls, "panels_generated": len(store),
             "method": "column generation"}
    return Distribution(instance, algorithm, np.array(store.counts), weights, stats).pruned()
