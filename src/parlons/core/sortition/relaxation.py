"""Leximin over the LP relaxation of the quota polytope, and its decomposition into panels.

In the space of expected counts per volunteer type (``x_t = E[members of type t]``), every
distribution over panels lies in the polytope ``Q``: ``0 <= x_t <= size_t``, ``sum x = k``,
every quota on the sums of ``x`` and ``sum <= 1`` per household. Leximin over ``Q`` is a short
sequence of small LPs; its point ``x*`` is the true leximin as soon as it is a convex
combination of panels, which :func:`decompose` tries to prove constructively
(face-restricted Carathéodory: each step removes one integer panel of the minimal face of
``Q`` containing the current point). The same holds for the Nash welfare's maximiser over
``Q`` (:meth:`QuotaRelaxation.nash`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import optimize

from parlons.core.sortition.distribution import ColumnStore
from parlons.core.sortition.oracle import INF, MasterLP, PanelOracle, new_highs

FIX_TOLERANCE = 1e-6    # dual weight above which a type is fixed at the stage's level
LEVEL_SLACK = 1e-9      # fixed levels are lowered by this much to stay LP-feasible
FACE_TOLERANCE = 1e-9   # distance under which a bound counts as tight
MASS_TOLERANCE = 1e-8   # remaining mass under which the decomposition stops
MIP_GAP = 0.01          # relative gap of the face MIP
REPAIR_ROUNDS = 400     # pricing MIPs allowed to repair a failed decomposition


@dataclass
class RelaxedStage:
    """One stage of leximin over ``Q``: its level, and the types it fixes at that level."""

    level: float
    fixed: np.ndarray   # type indices


class QuotaRelaxation:
    """The polytope ``Q`` (constraint rows ``lo <= A x <= hi``, bounds ``0 <= x <= size``):
    the oracle's MIP without integrality."""

    def __init__(self, oracle: PanelOracle) -> None:
        self.oracle = oracle
        self.sizes = oracle.sizes.astype(float)
        self.matrix = oracle.row_matrix()
        self.lo, self.hi = oracle.row_lo, oracle.row_hi

    @property
    def n_types(self) -> int:
        return len(self.sizes)

    def _stage_lp(self) -> highspy.Highs:
        """``max z`` s.t. ``x_t / size_t >= z`` (one row per type, first), ``x`` in ``Q``."""
        h = new_highs()
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        nt = self.n_types
        h.addVars(nt, np.zeros(nt), self.sizes)
        h.addVar(-INF, INF)
        h.changeColCost(nt, -1.0)
        for t in range(nt):
            h.addRow(0.0, INF, 2, np.array([t, nt], dtype=np.int32),
                     np.array([1.0 / self.sizes[t], -1.0]))
        self.oracle.add_rows(h)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        return h

    def leximin(self) -> tuple[np.ndarray, list[RelaxedStage]]:
        """The leximin point ``x*`` of ``Q`` (expected counts) and its stages.

        Each stage maximises the lowest probability of the free types; the types with a
        positive dual weight sit at that level in every optimal point (complementary
        slackness) and are fixed there.
        """
        h = self._stage_lp()
        nt = self.n_types
        free = np.ones(nt, dtype=bool)
        stages: list[RelaxedStage] = []
        while free.any():
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError("the relaxed leximin LP has no optimum")
            sol = h.getSolution()
            x = np.array(sol.col_value[:nt])
            level = max(0.0, float(sol.col_value[nt]))
            y = np.array(sol.row_dual[:nt]).clip(min=0.0) * free
            tight = free & (y > FIX_TOLERANCE)
            if not tight.any():
                tight[np.flatnonzero(free)[np.argmax(y[free])]] = True
            reached = x / self.sizes
            for t in np.flatnonzero(tight):
                h.changeCoeff(int(t), nt, 0.0)
                h.changeRowBounds(int(t), max(0.0, min(level, reached[t]) - LEVEL_SLACK), INF)
            free &= ~tight
            stages.append(RelaxedStage(level, np.flatnonzero(tight)))
        return np.clip(x, 0.0, self.sizes), stages

    def nash(self) -> np.ndarray:
        """The point of ``Q`` maximising ``sum_t size_t log(x_t / size_t)`` (Nash welfare of
        the volunteers): the dual's point, projected back onto ``Q`` by an LP (least total
        change), so that it satisfies every row exactly."""
        return self.project(_nash_dual(self))

    def project(self, x: np.ndarray) -> np.ndarray:
        """The point of ``Q`` closest to ``x`` in L1 norm."""
        h = new_highs()
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        nt = self.n_types
        h.addVars(nt, np.zeros(nt), self.sizes)                 # x
        h.addVars(nt, np.zeros(nt), np.full(nt, INF))           # |x - target| bounds
        h.changeColsCost(nt, np.arange(nt, 2 * nt, dtype=np.int32), np.ones(nt))
        for t in range(nt):
            idx = np.array([t, nt + t], dtype=np.int32)
            h.addRow(-INF, x[t], 2, idx, np.array([1.0, -1.0]))
            h.addRow(x[t], INF, 2, idx, np.array([1.0, 1.0]))
        self.oracle.add_rows(h)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError("projection onto the relaxation failed")
        return np.clip(np.array(h.getSolution().col_value[:nt]), 0.0, self.sizes)


def _nash_dual(relaxation: QuotaRelaxation) -> np.ndarray:
    """Maximiser of ``sum_t size_t log x_t`` on ``Q`` from its Lagrangian dual (approximate).

    With prices ``u+ - u-`` on the rows, each ``x_t`` has a closed form (``size_t / c_t``
    capped at ``size_t``) and the dual function is convex and once differentiable:
    L-BFGS-B on ``2 * rows`` non-negative prices.
    """
    a, lo, hi, n = relaxation.matrix, relaxation.lo, relaxation.hi, relaxation.sizes
    m = len(lo)

    def primal(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = (u[:m] - u[m:]) @ a
        return np.where(c > 1.0, n / np.maximum(c, 1.0), n), c

    def dual(u: np.ndarray) -> tuple[float, np.ndarray]:
        x, c = primal(u)
        value = float(n @ np.log(x) - c @ x + u[:m] @ hi - u[m:] @ lo)
        ax = a @ x
        return value, np.concatenate([hi - ax, ax - lo])

    start = np.zeros(2 * m)
    start[0] = float(n.sum()) / float(hi[0])   # the size row's price at the uniform point
    result = optimize.minimize(dual, start, jac=True, method="L-BFGS-B",
                               bounds=[(0.0, None)] * (2 * m),
                               options={"maxiter": 20_000, "gtol": 1e-12, "ftol": 1e-15})
    return primal(result.x)[0]


@dataclass
class Decomposition:
    """Panels (type counts) and weights whose mixture is ``target``; ``complete`` if it is."""

    panels: list[np.ndarray]
    weights: list[float]
    complete: bool
    mip_calls: int = 0  # the face MIPs solved on the way

    def weights_over(self, store: ColumnStore) -> np.ndarray | None:
        """The mixture's weights over the panels of ``store`` (they are added there, and
        kept there even when the mixture is not complete), normalised; ``None`` when it is
        not complete."""
        weights = np.zeros(len(store) + len(self.panels))
        for counts, weight in zip(self.panels, self.weights, strict=True):
            weights[store.find_or_add(counts)[0]] += weight
        if not self.complete:
            return None
        weights = weights[:len(store)]
        return weights / weights.sum()


@dataclass
class _Face:
    """The minimal face of ``Q`` containing a point: fixed types and tight rows."""

    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray

    @classmethod
    def of(cls, relaxation: QuotaRelaxation, x: np.ndarray, tolerance: float) -> _Face:
        sizes, r = relaxation.sizes, relaxation.matrix @ x
        at_lo, at_hi = x <= tolerance, x >= sizes - tolerance
        return cls(np.where(at_hi, sizes, 0.0), np.where(at_lo, 0.0, sizes),
                   np.where(r >= relaxation.hi - tolerance, relaxation.hi, relaxation.lo),
                   np.where(r <= relaxation.lo + tolerance, relaxation.lo, relaxation.hi))

    def contains(self, relaxation: QuotaRelaxation, panels: np.ndarray) -> np.ndarray:
        """Which panels (rows of type counts) lie in the face."""
        rows = panels @ relaxation.matrix.T
        return ((panels >= self.col_lo).all(axis=1) & (panels <= self.col_hi).all(axis=1)
                & (rows >= self.row_lo - 1e-9).all(axis=1)
                & (rows <= self.row_hi + 1e-9).all(axis=1))


class _FaceMIP:
    """Integer panels of a face of ``Q``: the quota MIP with bounds changed per call.

    Every improving solution HiGHS meets is kept as a candidate for later faces.
    """

    def __init__(self, relaxation: QuotaRelaxation) -> None:
        h = new_highs()
        h.setOptionValue("mip_rel_gap", MIP_GAP)
        h.setOptionValue("mip_improving_solution_save", True)
        h.setOptionValue("mip_pool_soft_limit", 10)
        nt = relaxation.n_types
        h.addVars(nt, np.zeros(nt), relaxation.sizes)
        h.changeColsIntegrality(nt, np.arange(nt, dtype=np.int32),
                                np.full(nt, highspy.HighsVarType.kInteger))
        relaxation.oracle.add_rows(h)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs = h
        self.relaxation = relaxation
        self.calls = 0

    def panels(self, face: _Face, weights: np.ndarray, gap: float = MIP_GAP,
               target: float | None = None) -> list[np.ndarray]:
        """The face's best panel for ``weights`` (within ``gap``, or the first reaching
        ``target``) and the other solutions met (best first); empty when the face holds no
        panel."""
        rel, h = self.relaxation, self.highs
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("objective_target", -INF if target is None else float(target))
        nt, n_rows = rel.n_types, len(rel.lo)
        h.changeColsBounds(nt, np.arange(nt, dtype=np.int32), face.col_lo, face.col_hi)
        h.changeRowsBounds(n_rows, np.arange(n_rows, dtype=np.int32), face.row_lo, face.row_hi)
        h.changeColsCost(nt, np.arange(nt, dtype=np.int32), weights)
        h.run()
        self.calls += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return []
        if status not in (highspy.HighsModelStatus.kOptimal,
                          highspy.HighsModelStatus.kObjectiveTarget):
            raise RuntimeError(f"face MIP ended with status {h.modelStatusToString(status)}")
        found = [np.rint(np.array(h.getSolution().col_value)).astype(np.int64)]
        for saved in reversed(h.getSavedMipSolutions()):
            found.append(np.rint(np.array(saved.col_value)).astype(np.int64))
        return found


def _step(relaxation: QuotaRelaxation, x: np.ndarray, d: np.ndarray,
          tolerance: float) -> float:
    """The largest ``mu`` keeping ``x + mu d`` in ``Q``.

    Bounds already tight at ``x`` are skipped: ``d`` lies in their face (up to rounding).
    """
    sizes = relaxation.sizes
    free = (x > tolerance) & (x < sizes - tolerance)
    down, up = free & (d < -FACE_TOLERANCE), free & (d > FACE_TOLERANCE)
    mu = np.inf
    if down.any():
        mu = min(mu, float(np.min(x[down] / -d[down])))
    if up.any():
        mu = min(mu, float(np.min((sizes[up] - x[up]) / d[up])))
    r, s = relaxation.matrix @ x, relaxation.matrix @ d
    room_lo, room_hi = r - relaxation.lo, relaxation.hi - r
    down = (room_lo > tolerance) & (s < -FACE_TOLERANCE)
    up = (room_hi > tolerance) & (s > FACE_TOLERANCE)
    if down.any():
        mu = min(mu, float(np.min(room_lo[down] / -s[down])))
    if up.any():
        mu = min(mu, float(np.min(room_hi[up] / s[up])))
    return max(mu, 0.0)


def decompose(relaxation: QuotaRelaxation, target: np.ndarray,
              repair_rounds: int = REPAIR_ROUNDS,
              deadline: float | None = None) -> Decomposition:
    """Write ``target`` (a point of ``Q``) as a mixture of panels, or as much as possible.

    Each step takes an integer panel ``P`` of the minimal face containing the current point
    ``x`` and moves to ``x' = x + mu (x - P)`` with the largest ``mu`` keeping ``x'`` in ``Q``
    (a new bound becomes tight, so the face shrinks): ``x = (x' + mu P) / (1 + mu)``.
    ``P`` maximises ``sum_t c_t x_t / size_t``, taken from the panels already met when one
    of them lies in the face (the MIP otherwise). The mass left below ``MASS_TOLERANCE`` is dropped. When a face holds
    no panel (the greedy choices left the convex hull of panels), the points of the last
    steps are decomposed by column generation within their faces (:func:`_repair`, at most
    ``repair_rounds`` pricing MIPs); ``complete`` is false when that fails too. Past
    ``deadline`` (a ``time.perf_counter()`` value) it raises :class:`TimeoutError`.
    """
    mip = _FaceMIP(relaxation)
    found = _decompose(relaxation, mip, target, repair_rounds, deadline)
    found.mip_calls = mip.calls
    return found


def _decompose(relaxation: QuotaRelaxation, mip: _FaceMIP, target: np.ndarray,
               repair_rounds: int, deadline: float | None) -> Decomposition:
    """:func:`decompose` with its face MIP."""
    x = target.astype(float).copy()
    mass = 1.0
    panels: list[np.ndarray] = []
    weights: list[float] = []
    history: list[tuple[np.ndarray, float, float]] = []   # (x, mass, tolerance) per step
    pool = ColumnStore(relaxation.sizes)   # the panels met (MIP solutions)
    met = np.zeros((0, relaxation.n_types), dtype=np.int64)   # the same, as an array
    for _ in range(4 * (relaxation.n_types + len(relaxation.lo))):
        _check(deadline)
        # rounding errors in x grow like 1 / mass: so does the tolerance on tight bounds
        tolerance = min(1e-6, max(FACE_TOLERANCE, 1e-11 / mass))
        x[x <= tolerance] = 0.0
        full = x >= relaxation.sizes - tolerance
        x[full] = relaxation.sizes[full]
        history.append((x.copy(), mass, tolerance))
        face = _Face.of(relaxation, x, tolerance)
        objective = x / relaxation.sizes
        panel = _best_in_face(relaxation, met, face, objective)
        if panel is None:
            found = mip.panels(face, objective)
            if not found:
                break
            for counts in found:
                pool.add(counts)
            met = np.array(pool.counts)
            panel = found[0]
        d = x - panel
        if np.abs(d).max() <= tolerance:
            panels.append(panel)
            weights.append(mass)
            return Decomposition(panels, weights, True)
        mu = _step(relaxation, x, d, tolerance)
        if not np.isfinite(mu) or mu <= 0:
            break
        panels.append(panel)
        weights.append(mass * mu / (1.0 + mu))
        mass /= 1.0 + mu
        x = np.clip(x + mu * d, 0.0, relaxation.sizes)
        if mass < MASS_TOLERANCE:
            return Decomposition(panels, weights, True)
    return _repair(relaxation, mip, met, history, panels, weights, repair_rounds, deadline)


def _check(deadline: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        raise TimeoutError("the decomposition did not finish in time")


def _repair(relaxation: QuotaRelaxation, mip: _FaceMIP, met: np.ndarray,
            history: list[tuple[np.ndarray, float, float]], panels: list[np.ndarray],
            weights: list[float], rounds: int, deadline: float | None) -> Decomposition:
    """Go back 1, 2, 4... steps and decompose that step's point by column generation
    (``met``: the panels met so far, one per row)."""
    back = 1
    while rounds > 0:
        j = max(len(history) - back, 0)
        x, mass, tolerance = history[j]
        face = _Face.of(relaxation, x, tolerance)
        inside = face.contains(relaxation, met) if len(met) else []
        mixture, used = _face_column_generation(relaxation, mip, face, x,
                                                list(met[inside]), rounds, deadline)
        rounds -= used
        if mixture is not None:
            extra, lam = mixture
            return Decomposition(panels[:j] + extra,
                                 weights[:j] + [mass * w for w in lam], True)
        if j == 0:
            break
        back *= 2
    return Decomposition(panels, weights, False)


def _face_column_generation(relaxation: QuotaRelaxation, mip: _FaceMIP, face: _Face,
                            x: np.ndarray, columns: list[np.ndarray], rounds: int,
                            deadline: float | None
                            ) -> tuple[tuple[list[np.ndarray], list[float]] | None, int]:
    """Panels of ``face`` and weights averaging to ``x`` (``None`` if there are none, or
    after ``rounds`` pricing MIPs), and how many MIPs were used.

    Restricted master (:class:`MasterLP`, built once): ``max z`` s.t.
    ``sum_P lam_P c_Pt >= z x_t`` on the support of ``x``, ``sum lam = 1``; ``z = 1`` exactly
    when ``x`` is a mixture of the columns (both sides sum to the panel size).
    """
    support = np.flatnonzero(x > 0)
    used = 0
    if not columns:
        columns = mip.panels(face, x / relaxation.sizes)
        used += 1
        if not columns:
            return None, used
    store = ColumnStore(relaxation.sizes)
    lp = MasterLP(x[support], tolerance=1e-10,
                  failure="the decomposition's master LP has no optimum")

    def add(counts: np.ndarray) -> None:
        lp.add_panel(counts[support].astype(float), store.find_or_add(counts)[0])

    for counts in columns:
        add(counts)
    while True:
        lam, z, y, yhat = lp.solve()
        if z >= 1.0 - 1e-9:
            keep = lam > 0
            return ([store.counts[c] for c, k in zip(lp.columns, keep, strict=True) if k],
                    list(lam[keep] / lam[keep].sum())), used
        if used >= rounds:
            return None, used
        _check(deadline)
        weights = np.zeros(relaxation.n_types)
        weights[support] = y
        found = mip.panels(face, weights, gap=1e-9, target=yhat + 1e-7)
        used += 1
        if not found or found[0] @ weights <= yhat + 1e-9:
            return None, used   # optimal below 1: x is no mixture of the face's panels
        for counts in found:
            if counts @ weights > yhat + 1e-9:
                add(counts)


def _best_in_face(relaxation: QuotaRelaxation, met: np.ndarray, face: _Face,
                  objective: np.ndarray) -> np.ndarray | None:
    """The panel of ``met`` (one per row) in ``face`` maximising ``objective``, if any."""
    if not len(met):
        return None
    inside = np.flatnonzero(face.contains(relaxation, met))
    if not len(inside):
        return None
    return met[inside[int(np.argmax(met[inside] @ objective))]].copy()
