"""The panel oracle: a HiGHS MIP over volunteer types that finds the best feasible panel.

A panel is described by how many members of each type it contains (``counts[t]``, at most the
type's size; volunteers sharing an address are singleton types with a household row
``sum <= 1``). Quotas and the panel size are hard constraints, so every panel the oracle returns
respects them exactly. The MIP is built once and re-solved with new objective weights.

:class:`MasterLP` is the other side of column generation: the LP over the panels found so far.
"""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np

from parlons.core.sortition.model import Instance

INF = highspy.kHighsInf


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A silent, single-threaded, deterministic HiGHS instance.

    HiGHS prints a banner on standard output when the first instance of a process is created;
    it is discarded so that ``--format json`` output stays clean.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h


class PanelOracle:
    """Maximise ``sum_t weights[t] * counts[t]`` over quota- and household-feasible panels."""

    def __init__(self, instance: Instance, rel_gap: float = 1e-7) -> None:
        self.instance = instance
        type_of, members = instance.types()
        self.sizes = np.array([len(m) for m in members], dtype=np.int64)
        self.n_types = len(members)
        first = np.array([m[0] for m in members])
        member = instance.membership()[first]  # types x quotas
        self.type_member = member
        self._constraint_rows(instance.household[first])
        h = new_highs()
        h.setOptionValue("mip_rel_gap", rel_gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        nt = self.n_types
        lower = np.zeros(nt)
        upper = self.sizes.astype(float)
        h.addVars(nt, lower, upper)
        h.changeColsIntegrality(nt, np.arange(nt, dtype=np.int32),
                                np.full(nt, highspy.HighsVarType.kInteger))
        self.add_rows(h)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs = h
        self.calls = 0

    def _constraint_rows(self, household: np.ndarray) -> None:
        """``row_lo[i] <= sum of the counts of types rows[i] <= row_hi[i]``: the panel size,
        then one row per quota, then ``<= 1`` per household (``household``: label per type)."""
        nt, k = self.n_types, float(self.instance.panel_size)
        rows = [np.arange(nt, dtype=np.int32)]
        lo, hi = [k], [k]
        for j, q in enumerate(self.instance.quotas):
            rows.append(np.flatnonzero(self.type_member[:, j]).astype(np.int32))
            lo.append(float(q.min))
            hi.append(float(q.max))
        for label in np.unique(household[household >= 0]):
            rows.append(np.flatnonzero(household == label).astype(np.int32))
            lo.append(0.0)
            hi.append(1.0)
        self.rows: list[np.ndarray] = rows
        self.row_lo, self.row_hi = np.array(lo), np.array(hi)

    def add_rows(self, h: highspy.Highs) -> None:
        """Add the constraint rows to ``h``, whose first ``n_types`` columns are type counts."""
        for idx, lo, hi in zip(self.rows, self.row_lo, self.row_hi, strict=True):
            h.addRow(lo, hi, len(idx), idx, np.ones(len(idx)))

    def row_matrix(self) -> np.ndarray:
        """The constraint rows as a dense 0/1 matrix (rows x types)."""
        matrix = np.zeros((len(self.rows), self.n_types))
        for i, idx in enumerate(self.rows):
            matrix[i, idx] = 1.0
        return matrix

    def best(self, weights: np.ndarray, start: np.ndarray | None = None,
             target: float | None = None) -> tuple[np.ndarray, float] | None:
        """The best panel's type counts and objective, or ``None`` if no panel exists.

        ``start`` is a known feasible panel (a MIP incumbent); with ``target`` the search stops
        at the first panel whose objective reaches it (enough for column generation).
        """
        h = self.highs
        h.changeColsCost(self.n_types, np.arange(self.n_types, dtype=np.int32),
                         np.asarray(weights, dtype=float))
        h.setOptionValue("objective_target", -INF if target is None else float(target))
        if start is not None:
            h.setSolution(self.n_types, np.arange(self.n_types, dtype=np.int32),
                          np.asarray(start, dtype=float))
        h.run()
        self.calls += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status not in (highspy.HighsModelStatus.kOptimal,
                          highspy.HighsModelStatus.kObjectiveTarget):
            raise RuntimeError(f"HiGHS pricing MIP ended with status {h.modelStatusToString(status)}")
        counts = np.rint(np.array(h.getSolution().col_value)).astype(np.int64)
        return counts, float(np.dot(weights, counts))

    def is_feasible(self) -> bool:
        """Whether at least one panel meets every quota."""
        return self.best(np.zeros(self.n_types)) is not None


class MasterLP:
    """The restricted master LP over panels, modified in place (columns added, rows re-bounded):
    ``max z`` s.t. ``sum_P a[P, t] lam_P >= scale[t] z`` per row ``t``, ``sum_P lam_P = 1``,
    ``lam >= 0``.

    Presolve is off and the simplex is primal, so each solve restarts from the previous basis
    and new columns keep the current solution feasible.
    """

    def __init__(self, scale: np.ndarray, tolerance: float = 1e-9,
                 failure: str = "leximin LP ended with status {status}") -> None:
        self.n_types = n_types = len(scale)
        self.tolerance = tolerance
        self.failure = failure    # the error's message ({status}: HiGHS's model status)
        h = new_highs()
        h.setOptionValue("presolve", "off")          # keep the basis between solves
        h.setOptionValue("simplex_strategy", 4)      # primal simplex: new columns keep feasibility
        h.setOptionValue("primal_feasibility_tolerance", tolerance)
        h.setOptionValue("dual_feasibility_tolerance", tolerance)
        h.addVar(-INF, INF)                          # column 0: z
        h.changeColCost(0, -1.0)
        zero = np.zeros(1, dtype=np.int32)
        for t in range(n_types):
            h.addRow(0.0, INF, 1, zero, np.array([-float(scale[t])]))
        h.addRow(1.0, 1.0, 0, np.zeros(0, dtype=np.int32), np.zeros(0))
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        self.highs = h
        self.columns: list[int] = []    # store index of each panel column
        self._in_lp: set[int] = set()
        self.floors = np.zeros(n_types)   # lower bounds of the fixed types' rows

    def add_panel(self, row: np.ndarray, store_index: int) -> bool:
        """Add a panel's column (``row``: its ``a[P, t]``) unless it is already in the LP."""
        if store_index in self._in_lp:
            return False
        self._in_lp.add(store_index)
        self.columns.append(store_index)
        idx = np.flatnonzero(row)
        self.highs.addCol(0.0, 0.0, INF, len(idx) + 1,
                          np.append(idx, self.n_types).astype(np.int32), np.append(row[idx], 1.0))
        return True

    def prune(self, attractiveness: np.ndarray, keep: int) -> int:
        """Delete the least attractive non-basic columns beyond ``keep``; how many.

        ``attractiveness[i]`` ranks ``columns[i]`` (its reduced gain ``y . a - yhat``). Basic
        columns stay, so the basis and the current solution survive the deletion; deleted
        panels stay in the column store, where pool pricing can bring them back.
        """
        excess = len(self.columns) - keep
        if excess <= 0:
            return 0
        status = self.highs.getBasis().col_status
        basic = np.array([status[i + 1] == highspy.HighsBasisStatus.kBasic
                          for i in range(len(self.columns))])
        order = np.argsort(attractiveness, kind="stable")
        drop = np.sort(order[~basic[order]][:excess])
        if not len(drop):
            return 0
        self.highs.deleteCols(len(drop), (drop + 1).astype(np.int32))
        dropped = set(drop.tolist())
        for i in dropped:
            self._in_lp.discard(self.columns[i])
        self.columns = [c for i, c in enumerate(self.columns) if i not in dropped]
        return len(drop)

    def fix(self, t: int, level: float) -> None:
        self.floors[t] = level
        self.highs.changeCoeff(t, 0, 0.0)
        self.highs.changeRowBounds(t, level, INF)

    def solve(self) -> tuple[np.ndarray, float, np.ndarray, float]:
        """Panel weights (in ``columns`` order), z, row duals ``y`` and the threshold ``yhat``."""
        h = self.highs
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            # numerical trouble after a level is fixed: solve from scratch with HiGHS's
            # default tolerances (1e-7), then go back to the tight ones
            h.clearSolver()
            h.setOptionValue("primal_feasibility_tolerance", 1e-7)
            h.setOptionValue("dual_feasibility_tolerance", 1e-7)
            h.run()
            status = h.getModelStatus()
            h.setOptionValue("primal_feasibility_tolerance", self.tolerance)
            h.setOptionValue("dual_feasibility_tolerance", self.tolerance)
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(self.failure.format(status=h.modelStatusToString(status)))
        sol = h.getSolution()
        values = np.array(sol.col_value)
        duals = np.array(sol.row_dual)
        return (values[1:].clip(min=0.0), float(values[0]),
                duals[:self.n_types].clip(min=0.0), float(-duals[self.n_types]))


def panel_ok(instance: Instance, chosen: np.ndarray) -> bool:
    """Check a panel of volunteer indices against size, quotas and household exclusion."""
    chosen = np.asarray(chosen, dtype=np.int64)
    if len(chosen) != instance.panel_size or len(set(chosen.tolist())) != len(chosen):
        return False
    counts = instance.membership()[chosen].sum(axis=0)
    for c, q in zip(counts, instance.quotas, strict=True):
        if not q.min <= c <= q.max:
            return False
    hh = instance.household[chosen]
    hh = hh[hh >= 0]
    return len(hh) == len(set(hh.tolist()))
