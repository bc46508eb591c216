"""Fair stratified sortition: quotas, household exclusion, legacy/maximin/leximin/Nash, lotteries.

The functional core of Parlons' citizens' assemblies: read a volunteer pool and its quotas,
compute a distribution over quota-respecting panels that is as fair as possible to every
volunteer, and draw the final panel verifiably from a seed.
"""

from __future__ import annotations

from parlons.core.sortition.model import Instance, Quota, SortitionInputError

ALGORITHM_VERSION = "parlons-sortition/1"

__all__ = ["ALGORITHM_VERSION", "Instance", "Quota", "SortitionInputError"]
