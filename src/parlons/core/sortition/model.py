"""Data model of a sortition instance: quotas, volunteers, households and volunteer types."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np


class SortitionInputError(ValueError):
    """Bad input (unknown values, duplicate ids, impossible quotas), with a readable message."""


class InfeasibleQuotasError(SortitionInputError):
    """No panel meets the quotas; ``suggestion`` holds relaxed quotas when some exist."""

    def __init__(self, message: str, suggestion: list[Quota] | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class Quota:
    """Bounds on how many panel members share one value of one feature."""

    feature: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None


@dataclass
class Instance:
    """A pool of volunteers (sorted by id), the quotas and the panel size.

    ``values[i, f]`` is the index, within feature ``features[f]``'s quotas, of volunteer ``i``'s
    value. ``household[i]`` is the household number of volunteer ``i`` (``-1`` when alone or
    without address).
    """

    ids: list[str]
    features: list[str]
    quotas: list[Quota]
    values: np.ndarray
    household: np.ndarray
    panel_size: int
    _types: tuple[np.ndarray, list[np.ndarray]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        order = sorted(range(len(self.ids)), key=lambda i: self.ids[i])
        if order != list(range(len(self.ids))):
            self.ids = [self.ids[i] for i in order]
            self.values = self.values[order]
            self.household = self.household[order]
        self.household = _renumber(self.household)

    @property
    def n(self) -> int:
        return len(self.ids)

    def feature_quotas(self, feature: str) -> list[Quota]:
        return [q for q in self.quotas if q.feature == feature]

    def membership(self) -> np.ndarray:
        """Boolean matrix (volunteers x quotas): volunteer i has quota j's value."""
        offsets = self._offsets()
        member = np.zeros((self.n, len(self.quotas)), dtype=bool)
        for f in range(len(self.features)):
            member[np.arange(self.n), offsets[f] + self.values[:, f]] = True
        return member

    def _offsets(self) -> list[int]:
        offsets, start = [], 0
        for feature in self.features:
            offsets.append(start)
            start += len(self.feature_quotas(feature))
        return offsets

    def types(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Group interchangeable volunteers: same values and no housemate in the pool.

        Returns ``type_of`` (volunteer -> type) and the member indices of each type, types being
        ordered by their first member (ids are sorted, so the order is canonical).
        """
        if self._types is None:
            keys: dict[tuple, int] = {}
            type_of = np.empty(self.n, dtype=np.int64)
            members: list[list[int]] = []
            for i in range(self.n):
                key = (("h", i) if self.household[i] >= 0
                       else tuple(int(v) for v in self.values[i]))
                t = keys.setdefault(key, len(members))
                if t == len(members):
                    members.append([])
                members[t].append(i)
                type_of[i] = t
            self._types = (type_of, [np.array(m, dtype=np.int64) for m in members])
        return self._types

    def digest(self) -> str:
        """SHA-256 of a canonical serialisation (independent of row order and hash seeds)."""
        payload = {
            "panel_size": self.panel_size,
            "features": self.features,
            "quotas": [[q.feature, q.value, q.min, q.max] for q in self.quotas],
            "people": [[pid, [int(v) for v in row], int(h)]
                       for pid, row, h in zip(self.ids, self.values, self.household, strict=True)],
        }
        blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def with_changes(self, keep: np.ndarray | None = None, quotas: list[Quota] | None = None,
                     panel_size: int | None = None) -> Instance:
        """A copy restricted to volunteers ``keep`` (boolean mask) with new quotas or size."""
        mask = np.ones(self.n, dtype=bool) if keep is None else keep
        return Instance(ids=[p for p, k in zip(self.ids, mask, strict=True) if k],
                        features=list(self.features), quotas=list(quotas or self.quotas),
                        values=self.values[mask].copy(), household=self.household[mask].copy(),
                        panel_size=self.panel_size if panel_size is None else panel_size)


def _renumber(household: np.ndarray) -> np.ndarray:
    """Keep household labels only for households of two or more, numbered by first member."""
    household = np.asarray(household, dtype=np.int64)
    labels, counts = np.unique(household[household >= 0], return_counts=True)
    shared = set(labels[counts >= 2].tolist())
    mapping: dict[int, int] = {}
    out = np.full(household.shape, -1, dtype=np.int64)
    for i, h in enumerate(household.tolist()):
        if h in shared:
            out[i] = mapping.setdefault(h, len(mapping))
    return out
