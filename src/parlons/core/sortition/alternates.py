"""Alternates drawn in advance: a ranked list of substitutes for a drawn panel.

Semantics (deterministic given the seed, like the panel itself):

* Alternates come from the volunteers who are neither on the panel nor housemates of a panel
  member, with at most one alternate per household. The panel members are put in a random order (seeded stream); the list cycles through
  them, and for member ``m`` it draws, uniformly among the volunteers not yet listed who can
  **replace m with every quota and the household rule still met** (panel - m + c is valid), one
  of those sharing the most feature values with ``m`` (a like-for-like substitute first).
  Members for whom nobody qualifies are skipped.
* When no remaining volunteer can replace any member, the remaining ranks are drawn uniformly
  from the rest of the pool and marked ``quota_preserving=False`` (taking them may break a
  quota: a replacement round with ``--confirmed`` then re-balances).
* Alternate ``r`` is recorded with the member it was drawn for (``replaces``); it can stand in for
  that member (each alternate is checked with only its own member replaced; when several
  members drop out at once, a replacement round with ``--confirmed`` guarantees every quota).
* When no remaining volunteer can replace any member, the remaining ranks are drawn uniformly
  from the rest of the pool and marked ``quota_preserving=False`` (taking them may break a
  quota: a replacement round with ``--confirmed`` then re-balances).
* Alternate ``r`` is recorded with the member it was drawn for (``replaces``); it can stand in for
  that member, or for any member whose removal leaves the same quota counts. Each alternate is
  checked against the original panel: when several members are replaced at once, the quotas
  hold if each alternate replaces the member it was drawn for and no two of those members are
  the same person (the quota counts of member and alternate then add up per feature value only
  when they share the changed values; a replacement round is the exact tool otherwise).

The alternates use their own stream (purpose ``<algorithm>/alternates``), so asking for them never
changes the panel drawn from the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parlons.core.sortition.lottery import SeededStream
from parlons.core.sortition.model import Instance


@dataclass(frozen=True)
class Alternate:
    """One ranked alternate: volunteer index, rank (1 = first called) and whom it replaces."""

    index: int
    rank: int
    replaces: int | None
    quota_preserving: bool


def draw_alternates(instance: Instance, panel: list[int], count: int,
                    stream: SeededStream) -> list[Alternate]:
    """Up to ``count`` ranked alternates for ``panel`` (volunteer indices), see module doc."""
    if count <= 0:
        return []
    member = instance.membership().astype(np.int64)
    lo = np.array([q.min for q in instance.quotas])
    hi = np.array([q.max for q in instance.quotas])
    household = instance.household
    in_panel = np.zeros(instance.n, dtype=bool)
    in_panel[panel] = True
    panel_households = set(household[panel][household[panel] >= 0].tolist())
    available = ~in_panel & np.array([h < 0 or h not in panel_households
                                      for h in household.tolist()])
    totals = member[panel].sum(axis=0)
    order = [panel[i] for i in stream.sample(list(range(len(panel))), len(panel))]
    alternates: list[Alternate] = []
    active = order
    while len(alternates) < count and active:
        still_active = []
        for m in active:
            if len(alternates) >= count:
                break
            candidates = np.flatnonzero(available)
            after = totals - member[m] + member[candidates]
            candidates = candidates[((after >= lo) & (after <= hi)).all(axis=1)]
            if not len(candidates):
                continue                      # nobody left can replace m
            same = (instance.values[candidates] == instance.values[m]).sum(axis=1)
            best = candidates[same == same.max()].tolist()
            chosen = best[stream.randbelow(len(best))]
            alternates.append(Alternate(int(chosen), len(alternates) + 1, int(m), True))
            _take(available, household, chosen)
            still_active.append(m)
        active = still_active
    rest = np.flatnonzero(available).tolist()
    while len(alternates) < count and rest:
        chosen = rest[stream.randbelow(len(rest))]
        alternates.append(Alternate(int(chosen), len(alternates) + 1, None, False))
        _take(available, household, chosen)
        rest = np.flatnonzero(available).tolist()
    return alternates


def _take(available: np.ndarray, household: np.ndarray, chosen: int) -> None:
    """List ``chosen``: neither they nor their housemates can be listed again."""
    available[chosen] = False
    if household[chosen] >= 0:
        available[household == household[chosen]] = False
