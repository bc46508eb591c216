"""Weighted k-means, base clusters, opinion groups chosen by silhouette, and the k smoother.

As in Polis, participants are first summarised by (at most) 100 *base clusters*; opinion
groups are found by weighted k-means on the base-cluster centres (weight = members) for
k = 2..max_k, and the k with the best silhouette wins.  The silhouette is computed on the
weighted centres, i.e. exactly the participant-level silhouette of the participants moved
to their base-cluster centres, in O(base²) instead of O(participants²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def kmeans(points: np.ndarray, k: int, *, weights: np.ndarray | None = None,
           rng: np.random.Generator, max_iter: int = 100, tol: float = 1e-6,
           init: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted Lloyd k-means with k-means++ seeding; returns (labels, centres, inertia).

    Stops when no label changes or when the centres moved (sum of squared shifts) less than
    ``tol`` times the mean variance of the points. Ties in the nearest centre go to the
    lowest index; an emptied cluster keeps its centre.
    """
    n = len(points)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    centres = _plus_plus(points, k, w, rng) if init is None else np.array(init, dtype=float)
    labels = np.full(n, -1)
    sq_points = np.einsum("ij,ij->i", points, points)
    threshold = tol * float(np.mean(np.var(points, axis=0))) if n else 0.0
    for _ in range(max_iter):
        new = _nearest(points, centres, sq_points)
        if np.array_equal(new, labels):
            break
        labels = new
        mass = np.bincount(labels, weights=w, minlength=k)
        previous = centres.copy()
        for dim in range(points.shape[1]):
            sums = np.bincount(labels, weights=w * points[:, dim], minlength=k)
            np.divide(sums, mass, out=centres[:, dim], where=mass > 0)
        if float(np.sum((centres - previous) ** 2)) <= threshold:
            labels = _nearest(points, centres, sq_points)
            break
    d2 = _sq_dist(points, centres, sq_points)
    inertia = float(np.sum(w * d2[np.arange(n), labels]))
    return labels, centres, inertia


def _nearest(points: np.ndarray, centres: np.ndarray, sq_points: np.ndarray) -> np.ndarray:
    """Index of the nearest centre: a k-d tree for large inputs, brute force otherwise."""
    if len(points) * len(centres) >= 200_000:
        from scipy.spatial import cKDTree

        return cKDTree(centres).query(points, workers=1)[1]
    return np.argmin(_sq_dist(points, centres, sq_points), axis=1)


def _sq_dist(points: np.ndarray, centres: np.ndarray, sq_points: np.ndarray) -> np.ndarray:
    d2 = sq_points[:, None] - 2.0 * points @ centres.T + np.einsum("ij,ij->i", centres, centres)
    return np.maximum(d2, 0.0)


def _plus_plus(points: np.ndarray, k: int, w: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (weighted): each new centre drawn with probability w × d²."""
    n = len(points)
    cum = np.cumsum(w)
    first = min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), n - 1)
    centres = np.empty((k, points.shape[1]))
    centres[0] = points[first]
    closest = np.sum((points - points[first]) ** 2, axis=1)
    for c in range(1, k):
        cum = np.cumsum(w * closest)
        total = cum[-1]
        if total > 0:
            idx = min(int(np.searchsorted(cum, rng.random() * total, side="right")), n - 1)
        else:
            idx = int(rng.integers(n))
        centres[c] = points[idx]
        diff = points - centres[c]
        np.minimum(closest, np.einsum("ij,ij->i", diff, diff), out=closest)
    return centres


def kmeans_restarts(points: np.ndarray, k: int, weights: np.ndarray, *,
                    rng: np.random.Generator, n_init: int = 10,
                    max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-means from ``n_init`` k-means++ starts run side by side (for the few
    base-cluster centres); returns the run with the lowest inertia (first on ties)."""
    n = len(points)
    w = np.asarray(weights, dtype=np.float64)
    centres = np.empty((n_init, k, 2))
    first = rng.choice(n, size=n_init, p=w / w.sum())
    centres[:, 0] = points[first]
    closest = np.sum((points[None, :, :] - centres[:, :1, :]) ** 2, axis=2)  # (I, n)
    for c in range(1, k):
        p = w[None, :] * closest
        cum = np.cumsum(p, axis=1)
        total = cum[:, -1]
        u = rng.random(n_init) * total
        idx = np.minimum((cum <= u[:, None]).sum(axis=1), n - 1)
        idx = np.where(total > 0, idx, rng.integers(n, size=n_init))
        centres[:, c] = points[idx]
        closest = np.minimum(closest, np.sum((points[None] - centres[:, c:c + 1]) ** 2, axis=2))
    px, py = points[:, 0], points[:, 1]
    offsets = (np.arange(n_init) * k)[:, None]
    w_all, wx_all, wy_all = np.tile(w, n_init), np.tile(w * px, n_init), np.tile(w * py, n_init)

    def sq_dist(c: np.ndarray) -> np.ndarray:  # (I, n, k)
        dx = px[None, :, None] - c[:, None, :, 0]
        dy = py[None, :, None] - c[:, None, :, 1]
        return dx * dx + dy * dy

    labels = np.full((n_init, n), -1)
    for _ in range(max_iter):
        new = np.argmin(sq_dist(centres), axis=2)
        if np.array_equal(new, labels):
            break
        labels = new
        flat = (labels + offsets).ravel()
        mass = np.bincount(flat, weights=w_all, minlength=n_init * k).reshape(n_init, k)
        sx = np.bincount(flat, weights=wx_all, minlength=n_init * k).reshape(n_init, k)
        sy = np.bincount(flat, weights=wy_all, minlength=n_init * k).reshape(n_init, k)
        safe = np.where(mass > 0, mass, 1.0)
        centres = np.where((mass > 0)[:, :, None], np.stack([sx / safe, sy / safe], axis=2),
                           centres)
    d2 = sq_dist(centres)
    labels = np.argmin(d2, axis=2)
    inertia = np.sum(np.take_along_axis(d2, labels[:, :, None], axis=2)[:, :, 0] * w, axis=1)
    best = int(np.argmin(inertia))
    return labels[best], centres[best], float(inertia[best])


def weighted_silhouette(points: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of ``weights[i]`` participants located at each of ``points[i]``.

    a(i): mean distance to the other participants of its group (its co-located ones at 0);
    b(i): smallest mean distance to another group; s = (b - a) / max(a, b), 0 for a group of
    one participant; the result is the participant-weighted mean of s.
    """
    w = np.asarray(weights, dtype=np.float64)
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    dist = np.sqrt(np.maximum(_sq_dist(points, points, np.einsum("ij,ij->i", points, points)),
                              0.0))
    np.fill_diagonal(dist, 0.0)
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    mass = onehot.T @ w                              # participants per group
    sums = dist @ (onehot * w[:, None])              # (n, G) weighted distance sums
    own = np.searchsorted(groups, labels)
    own_mass = mass[own] - 1.0
    a = np.divide(sums[np.arange(len(w)), own], own_mass, out=np.zeros(len(w)),
                  where=own_mass > 0)
    other = sums / mass[None, :]
    other[np.arange(len(w)), own] = np.inf
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(len(w)), where=denom > 0)
    s[own_mass <= 0] = 0.0
    return float(np.sum(w * s) / w.sum())


def max_groups_for(n_base: int, max_k: int) -> int:
    """Polis' bound on the number of groups: min(max_k, 2 + n_base // 12)."""
    return min(max_k, 2 + n_base // 12)


@dataclass
class Clustering:
    """Candidate groupings of the base clusters, one per k."""

    labels: dict[int, np.ndarray]         # k -> group of each base cluster
    centres: dict[int, np.ndarray]        # k -> (k, 2)
    silhouettes: dict[int, float]

    @property
    def best_k(self) -> int | None:
        if not self.silhouettes:
            return None
        return max(self.silhouettes, key=lambda k: (self.silhouettes[k], -k))


def cluster_centres(points: np.ndarray, weights: np.ndarray, *, max_k: int,
                    rng: np.random.Generator, n_init: int = 10) -> Clustering:
    """Weighted k-means on ``points`` for k = 2..max_k (best inertia over ``n_init`` starts)."""
    labels, centres, sils = {}, {}, {}
    n_distinct = len(np.unique(points, axis=0)) if len(points) else 0
    for k in range(2, min(max_k, n_distinct) + 1):
        lab, cen, _ = kmeans_restarts(points, k, weights, rng=rng, n_init=n_init)
        lab, cen = _relabel_by_mass(lab, cen, weights)
        if len(np.unique(lab)) < k:
            continue
        labels[k], centres[k] = lab, cen
        sils[k] = weighted_silhouette(points, weights, lab)
    return Clustering(labels, centres, sils)


def _relabel_by_mass(labels: np.ndarray, centres: np.ndarray,
                     weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number groups by decreasing size, then by centre coordinates (deterministic)."""
    k = len(centres)
    mass = np.bincount(labels, weights=weights, minlength=k)
    order = sorted(range(k), key=lambda g: (-mass[g], centres[g, 0], centres[g, 1]))
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    return remap[labels], centres[order]


@dataclass(frozen=True)
class OpinionState:
    """What a recompute passes to the next one (Polis' group-k smoother and group centres).

    ``smoothed_k`` only changes to a new best k after that k has won ``buffer`` recomputes in
    a row (Polis: 4); ``group_centres`` keep group numbers stable between recomputes.
    """

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None
    group_centres: tuple[tuple[float, float], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"last_k": self.last_k, "last_k_count": self.last_k_count,
                "smoothed_k": self.smoothed_k,
                "group_centres": [list(c) for c in self.group_centres]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpinionState:
        return cls(data.get("last_k"), int(data.get("last_k_count", 0)), data.get("smoothed_k"),
                   tuple((float(x), float(y)) for x, y in data.get("group_centres", [])))


def smooth_k(this_k: int, state: OpinionState | None, buffer: int = 4) -> tuple[int, int, int]:
    """Polis' group-k smoother: returns (k to use, last_k, last_k_count)."""
    state = state or OpinionState()
    same = state.last_k is not None and this_k == state.last_k
    count = state.last_k_count + 1 if same else 1
    smoothed = this_k if count >= buffer or state.smoothed_k is None else state.smoothed_k
    return smoothed, this_k, count


def match_previous(centres: np.ndarray, previous: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Permutation giving new groups the numbers of the nearest previous groups.

    Returns ``perm`` with ``perm[new_group] = number``: groups matched (Hungarian assignment on
    centre distances) keep the previous number; the others get the next free numbers.
    """
    k = len(centres)
    if not previous:
        return np.arange(k)
    from scipy.optimize import linear_sum_assignment

    prev = np.array(previous, dtype=np.float64)
    cost = np.linalg.norm(centres[:, None, :] - prev[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    perm = np.full(k, -1)
    perm[rows] = cols
    used = set(cols.tolist())
    free = [g for g in range(k + len(prev)) if g not in used]
    for g in range(k):
        if perm[g] < 0:
            perm[g] = free.pop(0)
    # compact to 0..k-1 keeping the relative order of numbers
    ranks = np.argsort(np.argsort(perm, kind="stable"), kind="stable")
    return ranks
