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
PAIRS_PER_KEY = 4      # for each combined profile, the this many heaviest incoming pairs
PAIR_TOP_TYPES = 64   # pair moves bring in at least one of the this many heaviest types


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
        self._triu_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._restricted_cache: tuple[np.ndarray | None, tuple | None] = (None, None)

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

    def _triu(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``np.triu_indices(n)``, cached (called once per move)."""
        if n not in self._triu_cache:
            self._triu_cache[n] = np.triu_indices(n)
        return self._triu_cache[n]

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
        best = int(np.argmax(flat_gain))
        if not flat_gain[best] > 1e-12:
            return 0.0, -1, -1
        i, j = divmod(best, len(better))
        if self._household_ok(counts, [int(chosen[i])], [int(better[j])]):
            return float(flat_gain[best]), int(chosen[i]), int(better[j])
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
        """The pairs containing one of the heaviest types of positive weight: for each
        combined profile (key), its ``PAIRS_PER_KEY`` heaviest pairs (computed once per
        climb, as ``w`` stays the same)."""
        if not self._pair_index():
            return None
        cached_w, cached = self._restricted_cache
        if cached_w is not None and np.array_equal(cached_w, w):
            return cached
        restricted = self._restrict(w)
        self._restricted_cache = (w.copy(), restricted)
        return restricted

    def _restrict(self, w: np.ndarray) -> tuple | None:
        positive = w > 0
        if positive.sum() > PAIR_TOP_TYPES:
            positive &= w >= np.partition(w, -PAIR_TOP_TYPES)[-PAIR_TOP_TYPES]
        sel = np.flatnonzero(positive[self.pair_u[:, 0]] | positive[self.pair_u[:, 1]])
        if not len(sel):
            return None
        pairs, keys = self.pair_u[sel], self.pair_key[sel]
        value = w[pairs[:, 0]] + w[pairs[:, 1]]
        order = np.lexsort((-value, keys))        # by key, heaviest pair first
        pairs, keys, value = pairs[order], keys[order], value[order]
        start = np.flatnonzero(np.r_[True, np.diff(keys) != 0])
        length = np.diff(np.r_[start, len(keys)])
        rank = np.arange(PAIRS_PER_KEY)
        top = np.where(rank[None, :] < length[:, None], start[:, None] + rank[None, :], -1)
        position = np.full(self.n_keys, -1, dtype=np.int64)
        position[keys[start]] = np.arange(len(start))
        return pairs, value, top, position

    def best_pair(self, counts: np.ndarray, w: np.ndarray,
                  restricted: tuple | None = None) -> tuple[float, tuple, tuple]:
        """Best exchange of two members for two others with the same combined profile
        (among each profile's heaviest pairs)."""
        if restricted is None:
            restricted = self._restricted_pairs(w)
            if restricted is None:
                return 0.0, (), ()
        pairs, value, top, position = restricted
        chosen = np.flatnonzero(counts > 0)
        a, b = self._triu(len(chosen))
        t1, t2 = chosen[a], chosen[b]
        pos = position[self.key_of[t1, t2]]
        valid = ((t1 != t2) | (counts[t1] >= 2)) & (pos >= 0)
        t1, t2, pos = t1[valid], t2[valid], pos[valid]
        cand = top[pos]                                   # (out pairs) x PAIRS_PER_KEY
        index = np.maximum(cand, 0)
        u1, u2 = pairs[index, 0], pairs[index, 1]
        room = np.where(u1 == u2, counts[u1] + 2 <= self.sizes[u1],
                        (counts[u1] < self.sizes[u1]) & (counts[u2] < self.sizes[u2]))
        a1, a2 = t1[:, None], t2[:, None]
        ok = (cand >= 0) & room & (u1 != a1) & (u1 != a2) & (u2 != a1) & (u2 != a2)
        gain = np.where(ok, value[index] - (w[t1] + w[t2])[:, None], -np.inf).ravel()
        if not len(gain):
            return 0.0, (), ()
        for flat in np.argsort(-gain, kind="stable")[:10]:
            g = gain[flat]
            if not g > 1e-12:
                break
            j, c = divmod(int(flat), PAIRS_PER_KEY)
            out = (int(t1[j]), int(t2[j]))
            into = (int(u1[j, c]), int(u2[j, c]))
            if self._household_ok(counts, list(out), list(into)):
                return float(g), out, into
        return 0.0, (), ()

    def improve(self, counts: np.ndarray, w: np.ndarray, threshold: float = np.inf,
                extra_moves: int = 6, max_moves: int = 60,
                trail: list[np.ndarray] | None = None) -> np.ndarray:
        """Hill-climb from ``counts`` towards higher ``w @ counts``; stop ``extra_moves`` moves
        after passing ``threshold``. Panels passed on the way above ``threshold`` (the last
        one excepted) are appended to ``trail`` when given."""
        counts = counts.copy()
        restricted: tuple | None = None
        for _ in range(max_moves):
            if w @ counts > threshold:
                if extra_moves <= 0:
                    break
                extra_moves -= 1
                if trail is not None:
                    trail.append(counts.copy())
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
