"""The panel oracle: a HiGHS MIP over volunteer types that finds the best feasible panel.

A panel is described by how many members of each type it contains (``counts[t]``, at most the
type's size; volunteers sharing an address are singleton types with a household row
``sum <= 1``). Quotas and the panel size are hard constraints, so every panel the oracle returns
respects them exactly. The MIP is built once and re-solved with new objective weights.
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
        h = new_highs()
        h.setOptionValue("mip_rel_gap", rel_gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        nt = self.n_types
        lower = np.zeros(nt)
        upper = self.sizes.astype(float)
        h.addVars(nt, lower, upper)
        h.changeColsIntegrality(nt, np.arange(nt, dtype=np.int32),
                                np.full(nt, highspy.HighsVarType.kInteger))
        k = instance.panel_size
        h.addRow(k, k, nt, np.arange(nt, dtype=np.int32), np.ones(nt))
        for j, q in enumerate(instance.quotas):
            idx = np.flatnonzero(member[:, j]).astype(np.int32)
            h.addRow(q.min, q.max, len(idx), idx, np.ones(len(idx)))
        hh = instance.household[first]
        for label in np.unique(hh[hh >= 0]):
            idx = np.flatnonzero(hh == label).astype(np.int32)
            h.addRow(0, 1, len(idx), idx, np.ones(len(idx)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs = h
        self.calls = 0

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
