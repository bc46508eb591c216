"""Cheap pricing heuristic: improve a known panel by quota-preserving exchanges.

Column generation needs *a* panel better than the current threshold, not the best one. Before
calling the pricing MIP, known panels are improved by hill climbing over two neighbourhoods:
one member replaced by another (when the quota ranges allow it) and two members replaced by
two others of the same combined profile (the only moves possible under exact quotas). Every
panel produced respects the quotas and household exclusion, like the oracle's.

Pair moves are indexed by an integer key of the pair's combined profile (per feature, the
unordered pair of values); within one hill climb only pairs containing a type of positive
weight can improve a panel, so the search is restricted to those containing one of the
``PAIR_TOP_TYPES`` heaviest types.
"""

from __future__ import annotations

import numpy as np

from parlons.core.sortition.oracle import PanelOracle

MAX_PAIR_TYPES = 2500  # beyond this many types, pair moves are skipped (index too large)
PAIR_TOP_TYPES = 64    # pair moves bring in at least one of the this many heaviest types


class SwapSearch:
    def __init__(self, oracle: PanelOracle) -> None:
        inst = oracle.instance
        self.sizes = oracle.sizes
        self.member = oracle.type_member.astype(float)           # types x quotas
        self.missing = 1.0 - self.member
        self.lo = np.array([q.min for q in inst.quotas])
        self.hi = np.array([q.max for q in inst.quotas])
        _, members = inst.types()
        first = np.array([m[0] for m in members])
        self.values = inst.values[first].astype(np.int64)       # types x features
        self.household = inst.household[first]
        self.n_types = len(members)
        self._pairs: bool | None = None

    def _pair_index(self) -> bool:
        """Index every pair of types by its combined profile (``key_of[t1, t2]``)."""
        if self._pairs is None:
            if self.n_types > MAX_PAIR_TYPES:
                self._pairs = False
                return False
            t1, t2 = np.triu_indices(self.n_types)
            radix = int(self.values.max()) + 1
            code = np.zeros(len(t1), dtype=np.int64)
            for f in range(self.values.shape[1]):
                a, b = self.values[t1, f], self.values[t2, f]
                code = code * (radix * radix) + np.minimum(a, b) * radix + np.maximum(a, b)
            _, key = np.unique(code, return_inverse=True)
            key = key.ravel()
            order = np.argsort(key, kind="stable")
            self.pair_u = np.stack([t1[order], t2[order]], axis=1)
            self.pair_key = key[order]
            self.n_keys = int(key.max()) + 1
            self.key_of = np.full((self.n_types, self.n_types), -1, dtype=np.int64)
            self.key_of[t1, t2] = key
            self.key_of[t2, t1] = key
            self._pairs = True
        return bool(self._pairs)

    def _household_ok(self, counts: np.ndarray, removed: list[int], added: list[int]) -> bool:
        labels = [self.household[u] for u in added if self.household[u] >= 0]
        if not labels:
            return True
        if len(set(labels)) < len(labels):
            return False
        chosen = np.flatnonzero(counts > 0)
        taken = {int(self.household[t]) for t in chosen if self.household[t] >= 0
                 and t not in removed}
        return not taken.intersection(int(h) for h in labels)

    def best_single(self, counts: np.ndarray, w: np.ndarray) -> tuple[float, int, int]:
        """Best replacement of one member by a volunteer of another type."""
        q = counts @ self.member
        chosen = np.flatnonzero(counts > 0)
        better = np.flatnonzero((w > w[chosen].min() + 1e-12) & (counts < self.sizes))
        if not len(better):
            return 0.0, -1, -1
        up_blocked = self.member[better] * (q + 1 > self.hi)         # adding u would exceed max
        down_blocked = self.member[chosen] * (q - 1 < self.lo)       # removing t: below min
        bad = self.missing[chosen] @ up_blocked.T + down_blocked @ self.missing[better].T
        gain = np.where(bad == 0, w[better][None, :] - w[chosen][:, None], -np.inf)
        gain[chosen[:, None] == better[None, :]] = -np.inf
        flat_gain = gain.ravel()
        top = np.argpartition(flat_gain, -min(20, flat_gain.size))[-20:]
        for flat in top[np.argsort(flat_gain[top])[::-1]]:
            g = gain.flat[flat]
            if not g > 1e-12:
                break
            i, j = divmod(int(flat), len(better))
            t, u = int(chosen[i]), int(better[j])
            if self._household_ok(counts, [t], [u]):
                return float(g), t, u
        return 0.0, -1, -1

    def _restricted_pairs(self, w: np.ndarray) -> tuple | None:
        """The pairs containing one of the heaviest types of positive weight, grouped by key
        (computed once per climb)."""
        if not self._pair_index():
            return None
        positive = w > 0
        if positive.sum() > PAIR_TOP_TYPES:
            positive &= w >= np.partition(w, -PAIR_TOP_TYPES)[-PAIR_TOP_TYPES]
        sel = np.flatnonzero(positive[self.pair_u[:, 0]] | positive[self.pair_u[:, 1]])
        if not len(sel):
            return None
        pairs, keys = self.pair_u[sel], self.pair_key[sel]
        start = np.flatnonzero(np.r_[True, np.diff(keys) != 0])
        position = np.full(self.n_keys, -1, dtype=np.int64)
        position[keys[start]] = np.arange(len(start))
        return pairs, start, position

    def best_pair(self, counts: np.ndarray, w: np.ndarray,
                  restricted: tuple | None = None) -> tuple[float, tuple, tuple]:
        """Best exchange of two members for two others with the same combined profile."""
        if restricted is None:
            restricted = self._restricted_pairs(w)
            if restricted is None:
                return 0.0, (), ()
        pairs, start, position = restricted
        u1, u2 = pairs[:, 0], pairs[:, 1]
        room = np.where(u1 == u2, counts[u1] + 2 <= self.sizes[u1],
                        (counts[u1] < self.sizes[u1]) & (counts[u2] < self.sizes[u2]))
        value = np.where(room, w[u1] + w[u2], -np.inf)
        key_best = np.maximum.reduceat(value, start)
        chosen = np.flatnonzero(counts > 0)
        a, b = np.triu_indices(len(chosen))
        t1, t2 = chosen[a], chosen[b]
        pos = position[self.key_of[t1, t2]]
        valid = ((t1 != t2) | (counts[t1] >= 2)) & (pos >= 0)
        gain = np.where(valid, key_best[pos] - w[t1] - w[t2], -np.inf)
        for j in np.argsort(gain)[::-1][:10]:
            if not gain[j] > 1e-12:
                break
            p, out = pos[j], (int(t1[j]), int(t2[j]))
            lo = start[p]
            hi = start[p + 1] if p + 1 < len(start) else len(value)
            for c in np.argsort(value[lo:hi])[::-1][:5]:
                into = (int(u1[lo + c]), int(u2[lo + c]))
                g = value[lo + c] - w[out[0]] - w[out[1]]
                if not g > 1e-12:
                    break
                if set(into) & set(out) or not self._household_ok(counts, list(out), list(into)):
                    continue
                return float(g), out, into
        return 0.0, (), ()

    def improve(self, counts: np.ndarray, w: np.ndarray, threshold: float = np.inf,
                extra_moves: int = 6, max_moves: int = 60) -> np.ndarray:
        """Hill-climb from ``counts`` towards higher ``w @ counts``; stop ``extra_moves`` moves
        after passing ``threshold``."""
        counts = counts.copy()
        restricted: tuple | None = None
        for _ in range(max_moves):
            if w @ counts > threshold:
                if extra_moves <= 0:
                    break
                extra_moves -= 1
            gain, t, u = self.best_single(counts, w)
            if gain > 1e-12:
                counts[t] -= 1
                counts[u] += 1
                continue
            if restricted is None:
                restricted = self._restricted_pairs(w)
                if restricted is None:
                    break
            gain, out, into = self.best_pair(counts, w, restricted)
            if gain > 1e-12:
                np.add.at(counts, list(out), -1)
                np.add.at(counts, list(into), 1)
                continue
            break
        return counts
