"""Fixed-window rate limits counted in the shared cache, several limits in one round trip.

With ``common.cache.RedisCache`` every limit of a request is counted by one Lua script (one
round trip, each key created with its expiry); with another cache (local memory: tests and
one-process demos) by ``add`` then ``incr`` per key. Rates are written as django-ratelimit
writes them: ``"60/m"``, ``"600/5m"``, ``"5/h"``, ``"100/d"``, ``"10/s"``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import caches

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """(limit, period in seconds) of ``"N/[k]unit"``."""
    match = RATE_RE.match(rate or "")
    if match is None:
        raise ValueError(f"Unknown rate: {rate!r} (write e.g. 60/m).")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]


def _key(group: str, who: str, period: int, now: float) -> str:
    digest = hashlib.blake2b(who.encode(), digest_size=12).hexdigest()
    return f"parlons:rl:{group}:{period}:{int(now // period)}:{digest}"


def _count(cache, keys: list[str], timeouts: list[int]) -> list[int]:
    if hasattr(cache, "incr_with_expiry"):
        return cache.incr_with_expiry(keys, timeouts)
    counts = []
    for key, timeout in zip(keys, timeouts, strict=True):
        if cache.add(key, 1, timeout):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired in between
            cache.add(key, 1, timeout)
            counts.append(1)
    return counts


def hit(limits: Sequence[tuple[str, str, str]]) -> bool:
    """Count one event for each ``(group, who, rate)``; True if any limit is now exceeded.

    ``who`` identifies the person, browser or address (hashed in the key)."""
    if not limits or not getattr(settings, "RATELIMIT_ENABLE", True):
        return False
    now = time.time()
    parsed = [(group, who, *parse_rate(rate)) for group, who, rate in limits]
    keys = [_key(group, who, period, now) for group, who, _limit, period in parsed]
    timeouts = [period + 1 for _group, _who, _limit, period in parsed]
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    counts = _count(cache, keys, timeouts)
    return any(n > limit for n, (_g, _w, limit, _p) in zip(counts, parsed, strict=True))
