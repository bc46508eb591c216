"""Cheap pricing heuristic: improve a known panel by quota-preserving exchanges.

Column generation needs *a* panel better than the current threshold, not the best one. Before
calling the pricing MIP, known panels are improved by hill climbing over two neighbourhoods:
one member replaced by another (when the quota ranges allow it) and two members replaced by
two others of the same combined profile (the only moves possible under exact quotas). Every
panel produced respects the quotas and household exclusion, like the oracle's.
"""

from __future__ import annotations

import numpy as np

from parlons.core.sortition.oracle import PanelOracle

MAX_PAIR_TYPES = 2500  # beyond this many types, pair moves are skipped (index too large)


class SwapSearch:
    def __init__(self, oracle: PanelOracle) -> None:
        inst = oracle.instance
        self.sizes = oracle.sizes
        self.member = oracle.type_member.astype(np.int64)       # types x quotas
        self.lo = np.array([q.min for q in inst.quotas])
        self.hi = np.array([q.max for q in inst.quotas])
        _, members = inst.types()
        self.household = np.array([inst.household[m[0]] for m in members])
        self.n_types = len(members)
        self._pairs: bool | None = None

    def _pair_index(self) -> bool:
        """Index every pair of types by its combined profile (``key_of[t1, t2]``)."""
        if self._pairs is None:
            if self.n_types > MAX_PAIR_TYPES:
                self._pairs = False
                return False
            t1, t2 = np.triu_indices(self.n_types)
            profile = self.member.astype(np.int8)
            sums = profile[t1] + profile[t2]
            _, key = np.unique(sums, axis=0, return_inverse=True)
            key = key.ravel()
            order = np.argsort(key, kind="stable")
            self.pair_u = np.stack([t1[order], t2[order]], axis=1)
            self.pair_key = key[order]
            self.key_start = np.flatnonzero(np.r_[True, np.diff(self.pair_key) != 0])
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
        up_blocked = self.member * (q + 1 > self.hi)              # adding u would exceed max
        down_blocked = self.member[chosen] * (q - 1 < self.lo)    # removing t would go below min
        missing = 1 - self.member
        bad = (up_blocked @ missing[chosen].T).T + down_blocked @ missing.T   # chosen x types
        ok = (bad == 0) & (counts < self.sizes)[None, :]
        gain = np.where(ok, w[None, :] - w[chosen][:, None], -np.inf)
        gain[np.arange(len(chosen)), chosen] = -np.inf
        order = np.argsort(gain, axis=None)[::-1]
        for flat in order[:20]:
            g = gain.flat[flat]
            if not g > 1e-12:
                break
            i, u = divmod(int(flat), self.n_types)
            t = int(chosen[i])
            if self._household_ok(counts, [t], [u]):
                return float(g), t, u
        return 0.0, -1, -1

    def best_pair(self, counts: np.ndarray, w: np.ndarray) -> tuple[float, tuple, tuple]:
        """Best exchange of two members for two others with the same combined profile."""
        if not self._pair_index():
            return 0.0, (), ()
        u1, u2 = self.pair_u[:, 0], self.pair_u[:, 1]
        room = np.where(u1 == u2, counts[u1] + 2 <= self.sizes[u1],
                        (counts[u1] < self.sizes[u1]) & (counts[u2] < self.sizes[u2]))
        value = np.where(room, w[u1] + w[u2], -np.inf)
        key_best = np.maximum.reduceat(value, self.key_start)
        chosen = np.flatnonzero(counts > 0)
        a, b = np.triu_indices(len(chosen))
        t1, t2 = chosen[a], chosen[b]
        valid = (t1 != t2) | (counts[t1] >= 2)
        keys = self.key_of[t1, t2]
        gain = np.where(valid, key_best[keys] - w[t1] - w[t2], -np.inf)
        for j in np.argsort(gain)[::-1][:10]:
            if not gain[j] > 1e-12:
                break
            key, out = keys[j], (int(t1[j]), int(t2[j]))
            lo = self.key_start[key]
            hi = self.key_start[key + 1] if key + 1 < len(self.key_start) else len(value)
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
            gain, out, into = self.best_pair(counts, w)
            if gain > 1e-12:
                np.add.at(counts, list(out), -1)
                np.add.at(counts, list(into), 1)
                continue
            break
        return counts
