"""Exact leximin / Nash by enumerating every feasible panel (tiny instances only).

Independent of the product's column generation: per-person LPs on SciPy over all panels, and
the textbook leximin loop (maximise the minimum of the free people, then fix exactly those who
cannot exceed it, each checked by its own LP).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog, minimize


def feasible_panels(instance) -> np.ndarray:
    member = instance.membership()
    lo = np.array([q.min for q in instance.quotas])
    hi = np.array([q.max for q in instance.quotas])
    rows = []
    for combo in itertools.combinations(range(instance.n), instance.panel_size):
        counts = member[list(combo)].sum(axis=0)
        hh = instance.household[list(combo)]
        hh = hh[hh >= 0]
        if (counts >= lo).all() and (counts <= hi).all() and len(hh) == len(set(hh.tolist())):
            row = np.zeros(instance.n)
            row[list(combo)] = 1
            rows.append(row)
    return np.array(rows)


def _max_level(panels, free, fixed, target=None, floor=0.0):
    """max z s.t. p_i >= z for free i, p_i >= fixed_i; with ``target``: max p_target s.t.
    p_i >= floor for free i and p_i >= fixed_i. Variables (lam, z)."""
    m, n = panels.shape
    c = np.zeros(m + 1)
    c[-1] = -1
    a_ub, b_ub = [], []
    for i in range(n):
        row = np.zeros(m + 1)
        row[:m] = -panels[:, i]
        if i in fixed or (target is not None and i != target):
            a_ub.append(row)
            b_ub.append(-fixed.get(i, floor) + 1e-9)
        else:
            row[-1] = 1
            a_ub.append(row)
            b_ub.append(0.0)
    a_eq = [np.append(np.ones(m), 0.0)]
    res = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=[1.0],
                  bounds=[(0, None)] * m + [(None, None)], method="highs")
    assert res.status == 0
    return -res.fun


def exact_leximin(instance) -> np.ndarray:
    panels = feasible_panels(instance)
    n = instance.n
    fixed: dict[int, float] = {}
    while len(fixed) < n:
        free = [i for i in range(n) if i not in fixed]
        z = _max_level(panels, free, fixed)
        stuck = [i for i in free
                 if _max_level(panels, free, fixed, target=i, floor=z) <= z + 1e-7]
        assert stuck
        for i in stuck:
            fixed[i] = z
    return np.array([fixed[i] for i in range(n)])
def exact_nash(instance) -> np.ndarray:
    panels = feasible_panels(instance)
    m = len(panels)
    usable = panels.sum(axis=0) > 0

    def negative(lam):
        p = np.maximum(lam @ panels, 1e-300)[usable]
        return -np.log(p).sum(), -(panels[:, usable] @ (1 / p))

    res = minimize(negative, np.full(m, 1 / m), jac=True, method="SLSQP",
                   bounds=[(0, 1)] * m,
                   constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
                   options={"maxiter": 2000, "ftol": 1e-15})
    return res.x @ panels
