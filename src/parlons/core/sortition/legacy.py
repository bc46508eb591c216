"""The legacy greedy selection (Sortition Foundation's original method), for comparison.

At every step the quota category with the highest ratio ``still needed / still available`` is
chosen and one of its remaining volunteers is drawn uniformly; full categories and housemates
of selected people leave the pool; a dead end restarts the draw. Its selection probabilities are
not computed but estimated over many draws.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from parlons.core.sortition.model import Instance, SortitionInputError


class RandomSource(Protocol):
    def randbelow(self, n: int) -> int: ...


class NumpySource:
    """A :class:`RandomSource` over a NumPy generator (for Monte-Carlo estimates)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def randbelow(self, n: int) -> int:
        return int(self.rng.integers(n))


class _Greedy:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.member = instance.membership()
        self.member_int = self.member.astype(np.int64)
        self.lo = np.array([q.min for q in instance.quotas])
        self.hi = np.array([q.max for q in instance.quotas])
        hh = instance.household
        self.housemates = {i: np.flatnonzero((hh == hh[i]) & (np.arange(instance.n) != i))
                           for i in np.flatnonzero(hh >= 0)}

    def once(self, rng: RandomSource) -> np.ndarray | None:
        inst = self.instance
        remaining = np.ones(inst.n, dtype=bool)
        available = self.member_int.sum(axis=0)
        selected = np.zeros(len(self.lo), dtype=np.int64)
        chosen: list[int] = []

        def remove(idx: np.ndarray) -> None:
            idx = idx[remaining[idx]]
            if len(idx):
                remaining[idx] = False
                available[:] -= self.member_int[idx].sum(axis=0)

        for j in np.flatnonzero(self.hi == 0):
            remove(np.flatnonzero(self.member[:, j]))
        for _ in range(inst.panel_size):
            need = np.maximum(self.lo - selected, 0)
            if (need > available).any():
                return None
            open_ = (available > 0) & (self.hi > 0)
            if not open_.any():
                return None
            ratio = np.where(open_, need / np.maximum(available, 1), -1.0)
            j = int(np.argmax(ratio))
            candidates = np.flatnonzero(remaining & self.member[:, j])
            person = int(candidates[rng.randbelow(len(candidates))])
            chosen.append(person)
            selected += self.member_int[person]
            remove(np.array([person]))
            if person in self.housemates:
                remove(self.housemates[person])
            for full in np.flatnonzero((selected >= self.hi) & (available > 0)):
                remove(np.flatnonzero(self.member[:, full]))
        if (selected < self.lo).any():
            return None
        return np.array(sorted(chosen), dtype=np.int64)


def legacy_draw(instance: Instance, rng: RandomSource, max_attempts: int = 100) -> np.ndarray:
    """One panel (volunteer indices) by the greedy method, retrying dead ends."""
    greedy = _Greedy(instance)
    for _ in range(max_attempts):
        panel = greedy.once(rng)
        if panel is not None:
            return panel
    raise SortitionInputError(f"the legacy method found no panel in {max_attempts} attempts")


def legacy_probabilities(instance: Instance, draws: int = 10_000,
                         seed: int = 0) -> tuple[np.ndarray, int]:
    """Estimated selection probabilities over ``draws`` panels, and the number of dead ends."""
    greedy = _Greedy(instance)
    rng = NumpySource(seed)
    hits = np.zeros(instance.n, dtype=np.int64)
    done = failures = 0
    while done < draws:
        panel = greedy.once(rng)
        if panel is None:
            failures += 1
            if failures > 10 * draws:
                raise SortitionInputError("the legacy method keeps failing on these quotas")
            continue
        hits[panel] += 1
        done += 1
    return hits / draws, failures
