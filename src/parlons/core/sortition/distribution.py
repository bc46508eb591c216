"""A distribution over panels (described by volunteer-type counts) and its probabilities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from parlons.core.sortition.model import Instance


@dataclass
class Distribution:
    """Panels as type-count vectors with their probabilities.

    A panel with ``counts[t]`` members of type ``t`` stands for every way of choosing that many
    of the type's interchangeable volunteers uniformly at random, so each volunteer of type
    ``t`` is selected with probability ``sum_P weight_P * counts[P, t] / size_t``.
    """

    instance: Instance
    algorithm: str
    panels: np.ndarray
    weights: np.ndarray
    stats: dict = field(default_factory=dict)

    def type_probabilities(self) -> np.ndarray:
        _, members = self.instance.types()
        sizes = np.array([len(m) for m in members], dtype=float)
        return (self.weights @ self.panels) / sizes

    def probabilities(self) -> np.ndarray:
        """Selection probability of every volunteer (in ``instance.ids`` order)."""
        type_of, _ = self.instance.types()
        return self.type_probabilities()[type_of]

    def probability_by_id(self) -> dict[str, float]:
        return dict(zip(self.instance.ids, self.probabilities().tolist(), strict=True))

    def pruned(self, tolerance: float = 1e-9) -> Distribution:
        """Drop panels of negligible weight, renormalise and sort canonically."""
        keep = self.weights > tolerance
        panels, weights = self.panels[keep], self.weights[keep]
        weights = weights / weights.sum()
        order = sorted(range(len(weights)), key=lambda i: tuple(panels[i].tolist()))
        return Distribution(self.instance, self.algorithm, panels[order], weights[order],
                            dict(self.stats))


class ColumnStore:
    """The panels generated so far, without duplicates, as rows of ``a[P, t] = c_t / size_t``."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.sizes = sizes.astype(float)
        self.index: dict[bytes, int] = {}
        self.counts: list[np.ndarray] = []
        self._buffer = np.zeros((64, len(sizes)))   # rows beyond len(self) are unused
        self._rows = 0

    def add(self, counts: np.ndarray) -> bool:
        """Add a panel; ``False`` if it was already there."""
        return self.find_or_add(counts)[1]

    def find_or_add(self, counts: np.ndarray) -> tuple[int, bool]:
        """The panel's index, and whether it is new."""
        key = counts.astype(np.int64).tobytes()
        if key in self.index:
            return self.index[key], False
        self.index[key] = len(self.counts)
        self.counts.append(counts.astype(np.int64))
        return len(self.counts) - 1, True

    @property
    def matrix(self) -> np.ndarray:
        """The rows ``a[P, t]`` of every panel (a view; capacity doubles as panels come)."""
        if self._rows != len(self.counts):
            if len(self.counts) > len(self._buffer):
                grown = np.zeros((2 * len(self.counts), len(self.sizes)))
                grown[:self._rows] = self._buffer[:self._rows]
                self._buffer = grown
            new = np.array(self.counts[self._rows:], dtype=float) / self.sizes
            self._buffer[self._rows:len(self.counts)] = new
            self._rows = len(self.counts)
        return self._buffer[:self._rows]

    def __len__(self) -> int:
        return len(self.counts)
