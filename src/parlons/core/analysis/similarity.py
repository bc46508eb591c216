"""Similar texts: "similar existing proposals" shown before a participant publishes.

French-aware: accents folded, simplemma lemmas, stop words removed; TF-IDF of lemma unigrams
and bigrams plus accent-folded character 3–5-grams (robust to typos), cosine similarity.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from parlons.core.analysis.normalise import SPLIT_ON_SPACES, FrenchNormaliser, fold

K = TypeVar("K", bound=Hashable)

_NORMALISER = FrenchNormaliser()


def similar_texts(
    query: str,
    candidates: Sequence[tuple[K, str]],
    limit: int = 5,
    min_score: float = 0.2,
) -> list[tuple[K, float]]:
    """Candidates most similar to ``query``, best first, as ``(id, score)`` with score in [0, 1].

    Only candidates scoring at least ``min_score`` are returned, at most ``limit``; ties keep the
    candidates' order. A query without content words, or no candidate, returns ``[]``.
    """
    if limit <= 0 or not candidates or not query.strip():
        return []
    query_lemmas = _NORMALISER.analyse(query)
    if not query_lemmas:  # only stop words: nothing to compare
        return []
    texts = [_NORMALISER.analyse(text) for _, text in candidates]
    words = _cosines(query_lemmas, texts, TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=SPLIT_ON_SPACES))
    chars = _cosines(fold(query), [fold(text) for _, text in candidates], TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True))
    if words is None or chars is None:
        return []
    scores = 0.7 * words + 0.3 * chars
    order = np.argsort(-scores, kind="stable")
    result: list[tuple[K, float]] = []
    for index in order[:limit]:
        score = float(scores[index])
        if score < min_score:
            break
        result.append((candidates[index][0], round(min(score, 1.0), 4)))
    return result


def _cosines(query: str, texts: list[str], vectorizer: TfidfVectorizer) -> np.ndarray | None:
    """Cosine of ``query`` with each text in a TF-IDF space fitted on all of them, or None."""
    if not query.strip():
        return None
    try:
        matrix = vectorizer.fit_transform([query, *texts])
    except ValueError:  # empty vocabulary
        return None
    return np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()
