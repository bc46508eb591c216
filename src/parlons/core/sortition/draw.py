"""Run an algorithm, draw the panel verifiably, and prepare replacement rounds."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from parlons.core.sortition.alternates import Alternate, draw_alternates
from parlons.core.sortition.distribution import Distribution
from parlons.core.sortition.feasibility import check_feasible
from parlons.core.sortition.lottery import SeededStream, draw_from_distribution, new_seed
from parlons.core.sortition.model import Instance, Quota, SortitionInputError

ALGORITHMS = ("legacy", "maximin", "leximin", "nash")


@dataclass
class DrawResult:
    """The drawn panel, everyone's selection probability and how they were obtained."""

    instance: Instance
    algorithm: str
    seed: str
    seed_generated: bool
    panel: list[int]
    probabilities: np.ndarray
    distribution: Distribution | None
    stats: dict = field(default_factory=dict)
    alternates: list[Alternate] = field(default_factory=list)

    @property
    def panel_ids(self) -> list[str]:
        return [self.instance.ids[i] for i in self.panel]

    @property
    def alternate_ids(self) -> list[str]:
        """Ids of the alternates, in the order they are to be called."""
        return [self.instance.ids[a.index] for a in self.alternates]

    @property
    def min_probability(self) -> float:
        return float(self.probabilities.min())


def compute_probabilities(instance: Instance, algorithm: str, *, legacy_draws: int = 10_000,
                          time_limit: float | None = None
                          ) -> tuple[np.ndarray, Distribution | None, dict]:
    """Selection probabilities (exact, or estimated for legacy) and the distribution."""
    start = time.perf_counter()
    if algorithm == "legacy":
        from parlons.core.sortition.legacy import legacy_probabilities

        check_feasible(instance)
        probs, failures = legacy_probabilities(instance, legacy_draws)
        return probs, None, {"seconds": time.perf_counter() - start, "draws": legacy_draws,
                             "dead_ends": failures, "estimated": True}
    if algorithm in ("maximin", "leximin"):
        from parlons.core.sortition.leximin import find_distribution

        dist = find_distribution(instance, algorithm, time_limit=time_limit)
    elif algorithm == "nash":
        from parlons.core.sortition.nash import find_distribution_nash

        dist = find_distribution_nash(instance, time_limit=time_limit)
    else:
        raise SortitionInputError(f"unknown algorithm {algorithm!r}; choose one of {ALGORITHMS}")
    return dist.probabilities(), dist, dict(dist.stats)


def draw(instance: Instance, algorithm: str = "leximin", seed: str | None = None, *,
         legacy_draws: int = 10_000, time_limit: float | None = None,
         alternates: int = 0) -> DrawResult:
    """Compute the probabilities, then draw one panel from ``seed`` (or a fresh random one),
    and ``alternates`` ranked alternates (see :mod:`parlons.core.sortition.alternates`)."""
    probs, dist, stats = compute_probabilities(instance, algorithm, legacy_draws=legacy_draws,
                                               time_limit=time_limit)
    generated = seed is None
    seed = new_seed() if seed is None else str(seed)
    stream = SeededStream.for_draw(seed, instance.digest(), algorithm)
    if dist is None:
        from parlons.core.sortition.legacy import legacy_draw

        panel = [int(i) for i in legacy_draw(instance, stream)]
    else:
        index, panel = draw_from_distribution(dist, stream)
        stats["panel_index"] = index
    if alternates < 0:
        raise SortitionInputError("the number of alternates cannot be negative")
    listed = draw_alternates(instance, panel, alternates, SeededStream.for_draw(
        seed, instance.digest(), f"{algorithm}/alternates"))
    return DrawResult(instance, algorithm, seed, generated, panel, probs, dist, stats, listed)


def replacement_instance(instance: Instance, confirmed: Iterable[str],
                         unavailable: Iterable[str] = ()) -> Instance:
    """The instance of a replacement round.

    ``confirmed`` people keep their seats: the panel shrinks by their number and each quota by
    how many of them have its value; they, their housemates and the ``unavailable`` people
    (those who declined, or anyone not to be drawn) leave the pool.
    """
    index = {pid: i for i, pid in enumerate(instance.ids)}
    unknown = [p for p in [*confirmed, *unavailable] if p not in index]
    if unknown:
        raise SortitionInputError(f"unknown ids: {', '.join(map(str, unknown[:10]))}")
    conf = sorted({index[p] for p in confirmed})
    keep = np.ones(instance.n, dtype=bool)
    keep[conf] = False
    keep[[index[p] for p in unavailable]] = False
    for i in conf:
        if instance.household[i] >= 0:
            keep[instance.household == instance.household[i]] = False
    taken = instance.membership()[conf].sum(axis=0) if conf else np.zeros(len(instance.quotas))
    quotas = []
    for q, c in zip(instance.quotas, taken.tolist(), strict=True):
        if c > q.max:
            raise SortitionInputError(
                f"the confirmed people already exceed the maximum of {q.feature}={q.value}")
        quotas.append(Quota(q.feature, q.value, max(0, q.min - c), q.max - c,
                            None if q.min_flex is None else max(0, q.min_flex - c),
                            None if q.max_flex is None else max(0, q.max_flex - c)))
    size = instance.panel_size - len(conf)
    if size <= 0:
        raise SortitionInputError("every seat is already confirmed")
    return instance.with_changes(keep=keep, quotas=quotas, panel_size=size)
