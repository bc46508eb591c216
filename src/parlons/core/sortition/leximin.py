"""Maximin and leximin distributions by column generation (Flanigan et al., Nature 2021).

Each stage solves, on HiGHS, the dual LP of "maximise the smallest probability of the types not
yet fixed, keeping the fixed ones at their level":

    minimise  yhat - sum_{t fixed} f_t y_t
    s.t.      sum_t a[P, t] y_t <= yhat   for every generated panel P
              sum_{t unfixed} y_t = 1,    y >= 0

New panels come from the pricing MIP (the best panel for the weights ``y``), warm-started with
the best known panel and stopped as soon as it beats ``yhat``. When no panel beats ``yhat``
the stage is optimal: the types with a positive dual weight are fixed at the stage's value.
The LP keeps its basis between solves (rows are only added, coefficients only changed).
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from parlons.core.sortition.distribution import ColumnStore, Distribution
from parlons.core.sortition.model import Instance
from parlons.core.sortition.oracle import INF, PanelOracle, new_highs
from parlons.core.sortition.swaps import SwapSearch

PRICING_TOLERANCE = 1e-7   # a panel must beat yhat by this much to enter
FIX_TOLERANCE = 1e-6       # dual weight above which a type is fixed at the stage's level
LEVEL_SLACK = 1e-9         # fixed levels are lowered by this much to stay LP-feasible


class _DualLP:
    def __init__(self, n_types: int) -> None:
        self.n_types = n_types
        h = new_highs()
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        h.setOptionValue("presolve", "off")  # keep the warm basis between solves
        h.addVars(n_types, np.zeros(n_types), np.full(n_types, INF))
        h.addVar(-INF, INF)
        h.changeColCost(n_types, 1.0)
        h.addRow(1.0, 1.0, n_types, np.arange(n_types, dtype=np.int32), np.ones(n_types))
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        self.highs = h
        self.n_panels = 0
        self.rows: list[int] = []   # store index of each panel row
        self.in_lp: set[int] = set()

    def add_panel(self, row: np.ndarray, store_index: int) -> bool:
        """Add a panel's row unless it is already in the LP."""
        if store_index in self.in_lp:
            return False
        self.in_lp.add(store_index)
        self.rows.append(store_index)
        idx = np.flatnonzero(row).astype(np.int32)
        self.highs.addRow(-INF, 0.0, len(idx) + 1, np.append(idx, self.n_types).astype(np.int32),
                          np.append(row[idx], -1.0))
        self.n_panels += 1
        return True

    def fix(self, t: int, level: float) -> None:
        self.highs.changeCoeff(0, t, 0.0)
        self.highs.changeColCost(t, -level)

    def solve(self) -> tuple[np.ndarray, float, float, np.ndarray]:
        h = self.highs
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"leximin LP ended with status {h.modelStatusToString(status)}")
        sol = h.getSolution()
        values = np.array(sol.col_value)
        duals = np.abs(np.array(sol.row_dual)[1:])
        return values[:-1].clip(min=0.0), values[-1], h.getInfo().objective_function_value, duals


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


def _heuristic_columns(search: SwapSearch, store: ColumnStore, lp: _DualLP, weights: np.ndarray,
                       values: np.ndarray, yhat: float, starts: int = 4) -> int:
    """Add improving panels found by exchanges from the best known panels; how many."""
    added = 0
    for index in np.argsort(values)[::-1][:starts]:
        counts = search.improve(store.counts[int(index)], weights, yhat + PRICING_TOLERANCE)
        if weights @ counts > yhat + PRICING_TOLERANCE:
            index, _ = store.find_or_add(counts)
            added += lp.add_panel(counts / store.sizes, index)
    return added


def _rebuilt(lp: _DualLP, store: ColumnStore, fixed: np.ndarray, lam: np.ndarray,
             y: np.ndarray) -> _DualLP:
    """A fresh LP keeping the panels in use and the most promising others (smaller LP)."""
    rows = np.array(lp.rows)
    values = store.matrix[rows] @ y
    keep = set(rows[lam > 0].tolist())
    budget = max(2 * store.matrix.shape[1], 200)
    for index in rows[np.argsort(values)[::-1]]:
        if len(keep) >= budget:
            break
        keep.add(int(index))
    fresh = _DualLP(lp.n_types)
    for t in np.flatnonzero(~np.isnan(fixed)):
        fresh.fix(int(t), max(0.0, fixed[t] - LEVEL_SLACK))
    for index in sorted(keep):
        fresh.add_panel(store.matrix[index], index)
    return fresh


def find_distribution(instance: Instance, algorithm: str = "leximin", *,
                      initial_panels: int = 3, time_limit: float | None = None,
                      use_swaps: bool = True) -> Distribution:
    """Maximin (first stage only) or leximin distribution over feasible panels."""
    if algorithm not in ("maximin", "leximin"):
        raise ValueError(f"unknown algorithm {algorithm!r}")
    start = time.perf_counter()
    oracle = PanelOracle(instance)
    if oracle.best(np.zeros(oracle.n_types)) is None:
        from parlons.core.sortition.feasibility import infeasible_error

        raise infeasible_error(instance)
    store = ColumnStore(oracle.sizes)
    _initial_panels(oracle, store, initial_panels)
    lp = _DualLP(oracle.n_types)
    for index, counts in enumerate(store.counts):
        lp.add_panel(counts / oracle.sizes, index)
    fixed = np.full(oracle.n_types, np.nan)
    search = SwapSearch(oracle)
    stages = 0
    lam = np.zeros(0)
    while np.isnan(fixed).any():
        stages += 1
        while True:
            if time_limit is not None and time.perf_counter() - start > time_limit:
                raise TimeoutError(f"{algorithm} did not finish within {time_limit} s")
            y, yhat, objective, lam = lp.solve()
            weights = y / oracle.sizes
            matrix = store.matrix
            values = matrix @ y
            best_known = int(np.argmax(values))
            if use_swaps and _heuristic_columns(search, store, lp, weights, values, yhat):
                continue
            found = oracle.best(weights, start=store.counts[best_known],
                                target=yhat + PRICING_TOLERANCE)
            if found is None:
                raise RuntimeError("the pricing MIP became infeasible")
            counts, value = found
            if value > yhat + PRICING_TOLERANCE:
                index, _ = store.find_or_add(counts)
                if lp.add_panel(counts / oracle.sizes, index):
                    continue
            break
        level = max(0.0, objective)
        unfixed = np.isnan(fixed)
        tight = unfixed & (y > FIX_TOLERANCE)
        if not tight.any():
            tight[np.flatnonzero(unfixed)[np.argmax(y[unfixed])]] = True
        for t in np.flatnonzero(tight):
            fixed[t] = level
            lp.fix(int(t), max(0.0, level - LEVEL_SLACK))
        if algorithm == "maximin":
            break
        if np.isnan(fixed).any():
            lp = _rebuilt(lp, store, fixed, lam, y)
    weights = np.zeros(len(store))
    weights[lp.rows] = lam / lam.sum()
    stats = {"seconds": time.perf_counter() - start, "stages": stages,
             "pricing_calls": oracle.calls, "panels_generated": len(store)}
    return Distribution(instance, algorithm, np.array(store.counts), weights, stats).pruned()

