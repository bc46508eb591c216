"""Per-group statement statistics, representative, consensus and divisive statements, priority.

Formulas of the Polis math (``repness.clj``, ``stats.clj``, ``conversation.clj``):

* Laplace-smoothed probabilities: ``pa = (na + 1) / (ns + 2)``, ``pd = (nd + 1) / (ns + 2)``
  where ``ns`` counts every vote seen (passes included);
* one-proportion test: ``z = 2 * sqrt(n + 1) * ((succ + 1) / (n + 1) - 0.5)``;
* two-proportion test with add-one counts: ``z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))``
  where ``p1 = (s1 + 1) / (n1 + 1)``, ``p2 = (s2 + 1) / (n2 + 1)``,
  ``p = (s1 + s2 + 2) / (n1 + n2 + 2)`` (0 when ``p == 1``);
* representativeness ``ra = pa(group) / pa(everyone else)`` and its test
  ``rat = two_prop(na, na_rest, ns, ns_rest)`` (same for disagree);
* group-informed consensus: product over groups of ``pa`` (resp. ``pd``);
* priority: ``(importance × (1 + 8 × 2^(-S/5)))²`` with
  ``importance = pa × (1 - pp) × (1 + extremity)``, 7² for meta statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import scipy.sparse as sp


def one_prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Polis' one-proportion z-score (add-one smoothing), H0: p = 1/2."""
    succ = np.asarray(succ, dtype=np.float64) + 1.0
    n = np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(n) * (succ / n - 0.5)


def two_prop_test(succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray,
                  n_out: np.ndarray) -> np.ndarray:
    """Polis' two-proportion z-score (add-one smoothing); 0 where the pooled p is 1."""
    s1, s2, n1, n2 = (np.asarray(x, dtype=np.float64) + 1.0
                      for x in (succ_in, succ_out, n_in, n_out))
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    denom = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / denom
    return np.where(pooled >= 1.0, 0.0, z)


def critical_z(confidence: float) -> float:
    """One-sided critical value (1.2816 at 90 %)."""
    return NormalDist().inv_cdf(confidence)


@dataclass
class GroupStats:
    """Arrays of shape (groups, statements)."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def count_votes(votes: sp.csr_matrix, voted: sp.csr_matrix,
                labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(agree, disagree, seen) counts per group and statement; label -1 rows are ignored."""
    return count_split(*split_votes(votes), voted, labels, n_groups)


def split_votes(votes: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """0/1 matrices of agreements and disagreements."""
    agree = votes.copy()
    agree.data = (agree.data > 0).astype(np.float64)
    disagree = votes.copy()
    disagree.data = (disagree.data < 0).astype(np.float64)
    return agree, disagree


def count_split(agree: sp.csr_matrix, disagree: sp.csr_matrix, voted: sp.csr_matrix,
                labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts per group from precomputed agree/disagree/seen matrices."""
    member = np.zeros((agree.shape[0], n_groups))
    keep = np.flatnonzero(labels >= 0)
    member[keep, labels[keep]] = 1.0
    return ((agree.T @ member).T, (disagree.T @ member).T, (voted.T @ member).T)


def group_stats(na: np.ndarray, nd: np.ndarray, ns: np.ndarray) -> GroupStats:
    """All per-group statistics from the counts (shape groups × statements)."""
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    rest_a, rest_d, rest_s = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    ra = pa / ((rest_a + 1.0) / (rest_s + 2.0))
    rd = pd / ((rest_d + 1.0) / (rest_s + 2.0))
    return GroupStats(
        na=na, nd=nd, ns=ns, pa=pa, pd=pd,
        pat=one_prop_test(na, ns), pdt=one_prop_test(nd, ns), ra=ra, rd=rd,
        rat=two_prop_test(na, rest_a, ns, rest_s), rdt=two_prop_test(nd, rest_d, ns, rest_s))


def _entry(st: GroupStats, g: int, j: int, direction: str | None = None) -> dict[str, object]:
    agree = (st.rat[g, j] > st.rdt[g, j]) if direction is None else direction == "agree"
    agree_vals = (st.na, st.pa, st.pat, st.ra, st.rat)
    vals = agree_vals if agree else (st.nd, st.pd, st.pdt, st.rd, st.rdt)
    return {"statement": j, "direction": "agree" if agree else "disagree",
            "n_success": int(vals[0][g, j]), "n_trials": int(st.ns[g, j]),
            "p_success": float(vals[1][g, j]), "p_test": float(vals[2][g, j]),
            "repness": float(vals[3][g, j]), "repness_test": float(vals[4][g, j])}


def representative(st: GroupStats, active: np.ndarray, *, pick_max: int = 5,
                   confidence: float = 0.9) -> list[list[dict[str, object]]]:
    """Representative statements of each group (Polis ``select-rep-comments``).

    A statement is *sufficient* for a group when its agree (or disagree) probability and
    representativeness are both significant; sufficient ones are sorted by
    ``repness × repness_test × p_success × p_test`` (direction: the larger repness test).
    The group's best agreed statement comes first; when nothing is sufficient and there is
    no best agreed statement, the statement with the best repness test stands alone.
    Agreed statements are listed before disagreed ones. Ties: lower statement index first.
    """
    z = critical_z(confidence)
    cols = np.flatnonzero(active)
    result = []
    for g in range(st.pa.shape[0]):
        sufficient = cols[((st.pat[g, cols] > z) & (st.rat[g, cols] > z))
                          | ((st.pdt[g, cols] > z) & (st.rdt[g, cols] > z))]
        best_agree = _best_agree(st, g, cols, z)
        entries = [_entry(st, g, int(j)) for j in sufficient]
        entries.sort(key=lambda e: (-_metric(e), e["statement"]))
        head: list[dict[str, object]] = []
        if best_agree is not None:
            head = [dict(_entry(st, g, best_agree), best_agree=True)]
        elif not entries and len(cols):
            test = np.maximum(st.rat[g, cols], st.rdt[g, cols])
            head = [_entry(st, g, int(cols[int(np.argmax(test))]))]
        chosen = head + [e for e in entries if not head or e["statement"] != head[0]["statement"]]
        chosen = chosen[:pick_max]
        chosen.sort(key=lambda e: e["direction"] != "agree")
        result.append(chosen)
    return result


def _metric(e: dict[str, object]) -> float:
    return float(e["repness"]) * float(e["repness_test"]) * float(e["p_success"]) \
        * float(e["p_test"])  # type: ignore[arg-type]


def _best_agree(st: GroupStats, g: int, cols: np.ndarray, z: float) -> int | None:
    """Polis' best agreed statement of a group, scanning statements in order."""
    na, nd, ra, pa, pat = (x[g].tolist() for x in (st.na, st.nd, st.ra, st.pa, st.pat))
    by_rep = (st.ra[g] * st.rat[g] * st.pa[g] * st.pat[g]).tolist()
    by_prob = (st.pa[g] * st.pat[g]).tolist()
    best = None
    for j in cols.tolist():
        if na[j] == 0 and nd[j] == 0:
            continue
        if best is None:
            if pat[j] > z or (ra[j] > 1.0 and pa[j] > 0.5):
                best = j
            continue
        metric = by_rep if ra[best] > 1.0 else by_prob
        if metric[j] > metric[best]:
            best = j
    return best


def consensus(na: np.ndarray, nd: np.ndarray, ns: np.ndarray, active: np.ndarray, *,
              pick_max: int = 5, confidence: float = 0.9) -> dict[str, list[dict[str, object]]]:
    """Statements most people agree (disagree) with: p > 1/2 with a significant one-proportion
    test, sorted by ``p × z`` (ties: lower index). Counts are over everyone (1-D arrays)."""
    z = critical_z(confidence)
    out: dict[str, list[dict[str, object]]] = {}
    for name, succ in (("agree", na), ("disagree", nd)):
        p = (succ + 1.0) / (ns + 2.0)
        test = one_prop_test(succ, ns)
        ok = np.flatnonzero(active & (p > 0.5) & (test > z))
        metric = p[ok] * test[ok]
        order = ok[np.lexsort((ok, -metric))][:pick_max]
        out[name] = [{"statement": int(j), "n_success": int(succ[j]), "n_trials": int(ns[j]),
                      "p_success": float(p[j]), "p_test": float(test[j])} for j in order]
    return out


def group_informed_consensus(st: GroupStats) -> tuple[np.ndarray, np.ndarray]:
    """Product over groups of the smoothed agree (disagree) probabilities."""
    return st.pa.prod(axis=0), st.pd.prod(axis=0)


def divisive(st: GroupStats, active: np.ndarray, *, pick_max: int = 5,
             confidence: float = 0.9) -> list[dict[str, object]]:
    """Statements that divide the groups (not in Polis; documented in docs/opinions.md).

    For each statement, the two groups with the highest and lowest smoothed agree
    probability; divisiveness = their difference; kept when a two-proportion test of their
    agree counts is significant (both directions being opposite is not required). Sorted
    by divisiveness, ties by lower index.
    """
    if st.pa.shape[0] < 2:
        return []
    z = critical_z(confidence)
    hi, lo = np.argmax(st.pa, axis=0), np.argmin(st.pa, axis=0)
    cols = np.arange(st.pa.shape[1])
    gap = st.pa[hi, cols] - st.pa[lo, cols]
    test = two_prop_test(st.na[hi, cols], st.na[lo, cols], st.ns[hi, cols], st.ns[lo, cols])
    ok = np.flatnonzero(active & (test > z) & (st.ns[hi, cols] > 0) & (st.ns[lo, cols] > 0))
    order = ok[np.lexsort((ok, -gap[ok]))][:pick_max]
    return [{"statement": int(j), "divisiveness": float(gap[j]), "z": float(test[j]),
             "most_agree_group": int(hi[j]), "least_agree_group": int(lo[j]),
             "p_agree_by_group": [float(x) for x in st.pa[:, j]]} for j in order]


def priority(na: np.ndarray, nd: np.ndarray, ns: np.ndarray, extremity: np.ndarray,
             is_meta: np.ndarray, *, meta_priority: float = 7.0) -> np.ndarray:
    """Polis' statement priority for choosing the next statement to show (higher first)."""
    passes = ns - na - nd
    pa = (na + 1.0) / (ns + 2.0)
    pp = (passes + 1.0) / (ns + 2.0)
    importance = pa * (1.0 - pp) * (1.0 + extremity)
    newness = 1.0 + 8.0 * np.power(2.0, -ns / 5.0)
    value = np.where(is_meta, meta_priority, importance * newness)
    return value ** 2


def choose_next(priorities: np.ndarray, seen: np.ndarray,
                rng: np.random.Generator) -> int | None:
    """Pick the next statement to show: a random unseen statement drawn with probability
    proportional to its priority (as Polis does); None when nothing is left."""
    weights = np.where(seen, 0.0, np.asarray(priorities, dtype=np.float64))
    total = weights.sum()
    if total <= 0:
        return None
    cum = np.cumsum(weights)
    return int(min(np.searchsorted(cum, rng.random() * total, side="right"), len(cum) - 1))
