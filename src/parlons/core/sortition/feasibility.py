"""Feasibility diagnostics and the smallest relaxation of quotas within their flex bounds."""

from __future__ import annotations

import highspy
import numpy as np

from parlons.core.sortition.model import InfeasibleQuotasError, Instance, Quota
from parlons.core.sortition.oracle import INF, new_highs


def simple_problems(instance: Instance) -> list[str]:
    """Obvious reasons why no panel exists (sums of quotas, too few volunteers)."""
    k = instance.panel_size
    problems = []
    counts = instance.membership().sum(axis=0)
    for feature in instance.features:
        qs = instance.feature_quotas(feature)
        lo, hi = sum(q.min for q in qs), sum(q.max for q in qs)
        if lo > k:
            problems.append(f"feature '{feature}': the minimums add up to {lo} > panel size {k}")
        if hi < k:
            problems.append(f"feature '{feature}': the maximums add up to {hi} < panel size {k}")
    for q, c in zip(instance.quotas, counts, strict=True):
        if c < q.min:
            problems.append(f"{q.feature}={q.value}: minimum {q.min} but only {c} volunteers")
    return problems


def suggest_relaxation(instance: Instance) -> list[Quota] | None:
    """Quotas closest to the given ones (least total change, within flex bounds) that admit a
    panel; ``None`` when even the flex bounds admit none. Missing flex bounds mean [0, k]."""
    _, members = instance.types()
    first = np.array([m[0] for m in members])
    member = instance.membership()[first]
    sizes = np.array([len(m) for m in members], dtype=float)
    nt, nq, k = len(members), len(instance.quotas), instance.panel_size
    h = new_highs()
    h.addVars(nt, np.zeros(nt), sizes)
    lo_room = np.array([q.min - (q.min_flex if q.min_flex is not None else 0)
                        for q in instance.quotas], dtype=float)
    hi_room = np.array([max(0, (q.max_flex if q.max_flex is not None else k) - q.max)
                        for q in instance.quotas], dtype=float)
    h.addVars(nq, np.zeros(nq), lo_room)
    h.addVars(nq, np.zeros(nq), hi_room)
    total = nt + 2 * nq
    h.changeColsIntegrality(total, np.arange(total, dtype=np.int32),
                            np.full(total, highspy.HighsVarType.kInteger))
    h.changeColsCost(2 * nq, np.arange(nt, total, dtype=np.int32), np.ones(2 * nq))
    h.addRow(k, k, nt, np.arange(nt, dtype=np.int32), np.ones(nt))
    for j, q in enumerate(instance.quotas):
        idx = np.flatnonzero(member[:, j]).astype(np.int32)
        ones = np.ones(len(idx) + 1)
        h.addRow(q.min, INF, len(idx) + 1, np.append(idx, nt + j).astype(np.int32), ones)
        h.addRow(-INF, q.max, len(idx) + 1, np.append(idx, nt + nq + j).astype(np.int32),
                 np.append(np.ones(len(idx)), -1.0))
    hh = instance.household[first]
    for label in np.unique(hh[hh >= 0]):
        idx = np.flatnonzero(hh == label).astype(np.int32)
        h.addRow(0, 1, len(idx), idx, np.ones(len(idx)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.rint(np.array(h.getSolution().col_value)).astype(int)
    d_lo, d_hi = x[nt:nt + nq], x[nt + nq:]
    return [Quota(q.feature, q.value, q.min - int(a), q.max + int(b), q.min_flex, q.max_flex)
            for q, a, b in zip(instance.quotas, d_lo, d_hi, strict=True)]


def describe_changes(old: list[Quota], new: list[Quota]) -> list[str]:
    """Human-readable list of quota changes."""
    return [f"{a.feature}={a.value}: [{a.min}, {a.max}] -> [{b.min}, {b.max}]"
            for a, b in zip(old, new, strict=True) if (a.min, a.max) != (b.min, b.max)]


def infeasible_error(instance: Instance) -> InfeasibleQuotasError:
    """The error raised when no panel meets the quotas, with a suggested relaxation."""
    reasons = simple_problems(instance)
    suggestion = suggest_relaxation(instance)
    message = "no panel of size {} meets the quotas{}".format(
        instance.panel_size, (" (" + "; ".join(reasons) + ")") if reasons else "")
    if suggestion is None:
        message += "; no relaxation within the flex bounds (min_flex/max_flex) makes it feasible"
    else:
        message += "; smallest relaxation within the flex bounds: " + "; ".join(
            describe_changes(instance.quotas, suggestion))
    return InfeasibleQuotasError(message, suggestion)


def check_feasible(instance: Instance) -> None:
    """Raise :class:`InfeasibleQuotasError` when no panel meets the quotas."""
    from parlons.core.sortition.oracle import PanelOracle

    if not PanelOracle(instance).is_feasible():
        raise infeasible_error(instance)
