"""Verifiable randomness: a deterministic stream derived from a published seed.

The stream is SHA-256 in counter mode over a key that binds the seed to the canonical digest of
the inputs and to the algorithm, so the same inputs, seed and version give the same draw on any
machine and in any process (no Python ``hash``, no set order, no floating-point sums).
Without a seed, a fresh one comes from :mod:`secrets` and is recorded like a published one.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

from parlons.core.sortition.distribution import Distribution

WEIGHT_SCALE = 10**12  # panel weights are rounded to integers of this scale before drawing


def new_seed() -> str:
    """A cryptographically random seed (32 hex digits)."""
    return secrets.token_hex(16)


class SeededStream:
    """Uniform integers from SHA-256(key || counter)."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.counter = 0
        self._buffer = b""

    @classmethod
    def for_draw(cls, seed: str, instance_digest: str, purpose: str) -> SeededStream:
        material = "\x1f".join(["parlons-sortition-lottery/1", seed, instance_digest, purpose])
        return cls(hashlib.sha256(material.encode("utf-8")).digest())

    def _bytes(self, count: int) -> bytes:
        while len(self._buffer) < count:
            block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self._buffer += block
            self.counter += 1
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out

    def randbelow(self, n: int) -> int:
        """Uniform integer in ``[0, n)`` by rejection sampling (no modulo bias)."""
        if n <= 0:
            raise ValueError("n must be positive")
        bits = max(1, (n - 1).bit_length())
        nbytes = (bits + 7) // 8
        while True:
            value = int.from_bytes(self._bytes(nbytes), "big") >> (nbytes * 8 - bits)
            if value < n:
                return value

    def sample(self, population: list[int], count: int) -> list[int]:
        """``count`` distinct elements, uniformly, by a partial Fisher-Yates shuffle."""
        pool = list(population)
        for i in range(count):
            j = i + self.randbelow(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:count]

    def random(self) -> float:
        """A float in [0, 1) with 53 random bits."""
        return self.randbelow(1 << 53) / float(1 << 53)


def integer_weights(weights: np.ndarray) -> list[int]:
    """Panel weights as integers (the draw uses integer arithmetic only)."""
    return [int(round(float(w) * WEIGHT_SCALE)) for w in weights]


def draw_from_distribution(distribution: Distribution, stream: SeededStream) -> tuple[int, list[int]]:
    """Draw a panel: pick a type-count vector by its weight, then members within each type.

    Returns the panel's index in the distribution and the sorted volunteer indices.
    """
    weights = integer_weights(distribution.weights)
    ticket = stream.randbelow(sum(weights))
    chosen, cumulative = len(weights) - 1, 0
    for index, w in enumerate(weights):
        cumulative += w
        if ticket < cumulative:
            chosen = index
            break
    _, members = distribution.instance.types()
    people: list[int] = []
    for t, count in enumerate(distribution.panels[chosen].tolist()):
        if count:
            people.extend(stream.sample(members[t].tolist(), int(count)))
    return chosen, sorted(people)
