"""Nash welfare: maximise the sum of log selection probabilities (per volunteer).

Fully corrective Frank-Wolfe over panels: the restricted problem over the generated panels is
solved by Cover's multiplicative updates (monotone for this log-concave objective), and a new
panel is the best one for the gradient weights ``1 / p_t`` per member of type ``t`` (pricing
MIP). The Frank-Wolfe gap ``max_P sum_t c_t / p_t - N`` bounds the distance to the optimum.

First, the maximiser of the Nash welfare over the LP relaxation ``Q`` of the quota polytope
(see :mod:`parlons.core.sortition.relaxation`) is decomposed into panels; when that works and
one pricing MIP certifies its Frank-Wolfe gap, it is the answer. Otherwise its panels seed the
Frank-Wolfe loop.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import optimize

from parlons.core.sortition.distribution import ColumnStore, Distribution
from parlons.core.sortition.model import Instance
from parlons.core.sortition.oracle import PanelOracle
from parlons.core.sortition.relaxation import QuotaRelaxation, decompose

GAP_TOLERANCE = 1e-5   # relative Frank-Wolfe gap at which the search stops
INNER_ITERATIONS = 200


def _cover(matrix: np.ndarray, mass: np.ndarray, lam: np.ndarray, iterations: int) -> np.ndarray:
    """Maximise ``sum_t mass_t log((lam @ matrix)_t)`` over the simplex.

    A few of Cover's multiplicative updates, then SLSQP with the analytic gradient.
    """
    total = mass.sum()
    used = mass > 0
    for _ in range(20):
        p = lam @ matrix
        lam = lam * (matrix @ (mass / np.where(used, p, 1.0))) / total
        lam /= lam.sum()
    sub, w = matrix[:, used], mass[used]

    def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.maximum(x @ sub, 1e-300)
        return -float(w @ np.log(p)) / total, -(sub @ (w / p)) / total

    result = optimize.minimize(
        negative, lam, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * len(lam),
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0,
                      "jac": lambda x: np.ones_like(x)}],
        options={"maxiter": iterations, "ftol": 1e-15})
    x = np.clip(result.x, 0.0, None)
    if not np.all(np.isfinite(x)) or negative(x / x.sum())[0] > negative(lam)[0]:
        return lam
    return x / x.sum()


def _relaxed_nash(oracle: PanelOracle, store: ColumnStore, deadline: float | None
                  ) -> tuple[np.ndarray, float, int] | None:
    """Weights over ``store`` (panels added there) of the decomposed Nash point of ``Q``, or
    of their polish over the same panels when it is better, its relative Frank-Wolfe gap and
    the face MIPs the decomposition solved; ``None`` when it cannot be decomposed or neither
    is certified."""
    relaxation = QuotaRelaxation(oracle)
    found = decompose(relaxation, relaxation.nash(), deadline=deadline)
    lam = found.weights_over(store)
    if lam is None:
        return None
    sizes = oracle.sizes.astype(float)
    # the dual's point is approximate: the weights polished over the panels found may be
    # better, though their gap (over all panels) may be larger
    best: tuple[float, np.ndarray, float] | None = None
    for weights in (lam, _cover(store.matrix, sizes, lam, INNER_ITERATIONS * 4)):
        gap = _certified_gap(oracle, store, weights)
        if gap is None:
            continue
        value = float(sizes @ np.log(weights @ store.matrix))
        if best is None or value > best[0]:
            best = (value, weights, gap)
    return None if best is None else (best[1], best[2], found.mip_calls)


def _certified_gap(oracle: PanelOracle, store: ColumnStore, lam: np.ndarray) -> float | None:
    """The relative Frank-Wolfe gap of ``lam`` (one pricing MIP), if within tolerance."""
    p = lam @ store.matrix
    if not (p > 0).all():
        return None
    found = _pricing(oracle, store, p, oracle.sizes.astype(float))
    if found is None:
        return None
    gap = found[1]
    return gap if gap <= GAP_TOLERANCE else None


def _pricing(oracle: PanelOracle, store: ColumnStore, p: np.ndarray, mass: np.ndarray
             ) -> tuple[np.ndarray, float] | None:
    """The best panel for the gradient at the type probabilities ``p`` and the relative
    Frank-Wolfe gap ``(sum_t c_t / p_t - N) / N`` over the types of positive ``mass`` (``N``:
    their volunteers); ``None`` when no panel exists.

    The pricing MIP starts from the best panel of ``store`` and stops at the first panel whose
    gap reaches the tolerance.
    """
    total = mass.sum()
    weights = np.where(mass > 0, 1.0 / np.maximum(p, 1e-12), 0.0)
    best_known = int(np.argmax(store.matrix @ (weights * oracle.sizes)))
    found = oracle.best(weights, start=store.counts[best_known],
                        target=total * (1 + GAP_TOLERANCE))
    if found is None:
        return None
    return found[0], (found[1] - total) / total


def find_distribution_nash(instance: Instance, *, max_panels: int = 3000,
                           time_limit: float | None = None,
                           relaxation: bool = True) -> Distribution:
    """Distribution maximising the product of the volunteers' selection probabilities.

    With ``relaxation`` the decomposed optimum of the LP relaxation is tried first."""
    start = time.perf_counter()
    oracle = PanelOracle(instance)
    sizes = oracle.sizes.astype(float)
    store = ColumnStore(oracle.sizes)
    if relaxation and oracle.is_feasible():
        deadline = None if time_limit is None else start + time_limit
        try:
            relaxed = _relaxed_nash(oracle, store, deadline)
        except TimeoutError:
            relaxed = None
        if relaxed is not None:
            lam, gap, face_mips = relaxed
            stats = {"seconds": time.perf_counter() - start,
                     "pricing_calls": oracle.calls + face_mips,
                     "panels_generated": len(store), "relative_gap": float(gap),
                     "method": "relaxation"}
            return Distribution(instance, "nash", np.array(store.counts), lam, stats).pruned()
    covered = (np.array(store.counts).sum(axis=0) > 0 if len(store)
               else np.zeros(oracle.n_types, dtype=bool))
    while not covered.all():  # cover every type that some panel can contain
        found = oracle.best(np.where(covered, 1e-3, 1.0) / sizes)
        if found is None:
            from parlons.core.sortition.feasibility import infeasible_error

            raise infeasible_error(instance)
        new = (found[0] > 0) & ~covered
        store.add(found[0])
        if not new.any():
            break
        covered |= found[0] > 0
    mass = np.where(covered, sizes, 0.0)   # types no panel contains are left out of the product
    lam = np.full(len(store), 1.0 / len(store))
    gap = np.inf
    inner = INNER_ITERATIONS
    while len(store) < max_panels and inner <= 16 * INNER_ITERATIONS:
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        lam = _cover(store.matrix, mass, lam, inner)
        counts, gap = _pricing(oracle, store, lam @ store.matrix, mass)
        if gap <= GAP_TOLERANCE:
            break
        if not store.add(counts):  # the restricted problem is not solved precisely enough
            inner *= 4
            continue
        lam = np.append(lam * (1 - 1.0 / len(store)), 1.0 / len(store))
    lam = _cover(store.matrix, mass, lam, INNER_ITERATIONS * 4)
    stats = {"seconds": time.perf_counter() - start, "pricing_calls": oracle.calls,
             "panels_generated": len(store), "relative_gap": float(gap),
             "method": "frank-wolfe"}
    return Distribution(instance, "nash", np.array(store.counts), lam, stats).pruned()
