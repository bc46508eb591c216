"""Themes: TF-IDF (or any pluggable encoder) → TruncatedSVD → k-means with the number of themes
chosen by silhouette (or set by the facilitator) → sub-themes, c-TF-IDF labels, representative
quotes (close to the centroid and diverse, MMR) and outliers kept apart.

Deterministic given ``seed``; ties in label terms break alphabetically, quotes by index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from parlons.core.analysis.normalise import SPLIT_ON_SPACES

Progress = Callable[[str], None]


class Encoder(Protocol):
    """Turns analysed texts (space-separated lemmas) and raw texts into row vectors.

    Plug a sentence encoder (e.g. a city's own model on a GPU) by implementing this.
    """

    def encode(self, lemmas: Sequence[str], raw: Sequence[str]) -> np.ndarray: ...


@dataclass
class TfidfSvdEncoder:
    """Default encoder: TF-IDF of lemma 1–2-grams reduced by TruncatedSVD (LSA)."""

    dimensions: int = 100
    seed: int = 0
    max_features: int = 50_000

    def encode(self, lemmas: Sequence[str], raw: Sequence[str]) -> np.ndarray:
        n = len(lemmas)
        vectorizer = TfidfVectorizer(token_pattern=SPLIT_ON_SPACES, ngram_range=(1, 2),
                                     sublinear_tf=True,
                                     min_df=2 if n >= 50 else 1, max_df=0.5 if n >= 50 else 1.0,
                                     max_features=self.max_features, dtype=np.float32)
        try:
            matrix = vectorizer.fit_transform(lemmas)
        except ValueError:  # empty vocabulary
            return np.zeros((n, 1), dtype=np.float32)
        k = min(self.dimensions, matrix.shape[1] - 1, n - 1)
        if k < 2:
            return matrix.toarray()
        svd = TruncatedSVD(n_components=k, random_state=self.seed, n_iter=4)
        reduced = svd.fit_transform(matrix).astype(np.float32)
        reduced[np.asarray(matrix.sum(axis=1)).ravel() == 0] = 0
        return normalize(reduced)


@dataclass
class Theme:
    """A theme (or sub-theme): member indices, key terms, quotes (indices), sub-themes."""

    members: list[int]
    terms: list[str]
    quotes: list[int]
    cohesion: float
    children: list[Theme] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ", ".join(self.terms[:4])


@dataclass
class ThemeResult:
    """Themes (largest first), outliers and the chosen number of themes with its scores."""

    themes: list[Theme]
    outliers: list[int]
    k: int
    scores: dict[int, float]
    assignment: np.ndarray  # theme position per text, -1 for outliers


def find_themes(lemmas: Sequence[str], raw: Sequence[str], *, n_themes: int | None = None,
                k_range: tuple[int, int] = (3, 15), encoder: Encoder | None = None,
                seed: int = 0, subthemes: bool = True, n_quotes: int = 3,
                outlier_similarity: float = 0.1, progress: Progress | None = None) -> ThemeResult:
    """Group texts into themes; ``n_themes`` overrides the automatic choice."""
    n = len(lemmas)
    say = progress or (lambda _message: None)
    encoder = encoder or TfidfSvdEncoder(seed=seed)
    say(f"themes: encoding {n} texts")
    vectors = np.asarray(encoder.encode(lemmas, raw), dtype=np.float32)
    empty = np.linalg.norm(vectors, axis=1) == 0
    usable = np.flatnonzero(~empty)
    if len(usable) < 3:
        return ThemeResult([], list(range(n)), 0, {}, np.full(n, -1))
    labels, k, scores = _cluster(vectors[usable], n_themes, k_range, seed, say)
    counts = CountVectorizer(token_pattern=SPLIT_ON_SPACES, ngram_range=(1, 2), min_df=1,
                             dtype=np.float32).fit(lemmas)
    term_matrix = counts.transform(lemmas)
    vocabulary = counts.get_feature_names_out()
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[usable] = labels
    outliers = set(np.flatnonzero(empty).tolist())
    themes: list[Theme] = []
    for cluster in range(k):
        members = usable[labels == cluster]
        centroid = normalize(vectors[members].mean(axis=0, keepdims=True))[0]
        similarity = vectors[members] @ centroid
        kept = members[similarity >= outlier_similarity]
        outliers.update(members[similarity < outlier_similarity].tolist())
        if len(kept) == 0:
            continue
        themes.append(_describe(kept, vectors, term_matrix, vocabulary, raw, n_quotes))
    themes.sort(key=lambda t: (-len(t.members), t.members[0]))
    if subthemes:
        say("themes: sub-themes")
        for theme in themes:
            if len(theme.members) >= 40:
                theme.children = _subthemes(theme, vectors, term_matrix, vocabulary, raw,
                                            n_quotes, seed)
    assignment[:] = -1
    for position, theme in enumerate(themes):
        assignment[theme.members] = position
    result = ThemeResult(themes, sorted(outliers), k, scores, assignment)
    add_labels(result, term_matrix, vocabulary)
    return result


def _cluster(vectors: np.ndarray, n_themes: int | None, k_range: tuple[int, int], seed: int,
             say: Progress) -> tuple[np.ndarray, int, dict[int, float]]:
    n = len(vectors)
    if n_themes is not None:
        k = max(1, min(n_themes, n))
        return _kmeans(vectors, k, seed), k, {}
    low, high = k_range
    high = max(2, min(high, n - 1, int(np.sqrt(n / 2)) + 1))
    low = max(2, min(low, high))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, 3000), replace=False))
    scores: dict[int, float] = {}
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(low, high + 1):
        labels = _kmeans(vectors, k, seed)
        if len(np.unique(labels[sample])) < 2:
            continue
        score = float(silhouette_score(vectors[sample], labels[sample], metric="cosine"))
        scores[k] = round(score, 4)
        say(f"themes: k={k} silhouette={score:.3f}")
        if best is None or score > best[0] + 1e-9:
            best = (score, k, labels)
    if best is None:
        return np.zeros(n, dtype=np.int64), 1, scores
    return best[2], best[1], scores


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(len(vectors), dtype=np.int64)
    if len(vectors) > 20_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=3)
    return model.fit_predict(vectors).astype(np.int64)


def _describe(members: np.ndarray, vectors: np.ndarray, term_matrix: sparse.csr_matrix,
              vocabulary: np.ndarray, raw: Sequence[str], n_quotes: int) -> Theme:
    centroid = normalize(vectors[members].mean(axis=0, keepdims=True))[0]
    similarity = vectors[members] @ centroid
    return Theme(members=sorted(int(i) for i in members),
                 terms=[], quotes=_quotes(members, similarity, vectors, raw, n_quotes),
                 cohesion=round(float(similarity.mean()), 4))


def _quotes(members: np.ndarray, similarity: np.ndarray, vectors: np.ndarray,
            raw: Sequence[str], n_quotes: int, diversity: float = 0.3) -> list[int]:
    """Maximal marginal relevance among the 50 members closest to the centroid."""
    words = np.array([len(raw[i].split()) for i in members])
    bonus = np.where((words >= 6) & (words <= 120), 0.0, -0.2)  # prefer quotable lengths
    order = np.lexsort((members, -(similarity + bonus)))[:50]
    candidates = members[order]
    relevance = (similarity + bonus)[order]
    chosen: list[int] = []
    while len(chosen) < min(n_quotes, len(candidates)):
        if chosen:
            redundancy = (vectors[candidates] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        score = (1 - diversity) * relevance - diversity * redundancy
        score[[i for i, c in enumerate(candidates) if c in chosen]] = -np.inf
        chosen.append(int(candidates[int(np.argmax(score))]))
    return chosen


def label_terms(groups: list[list[int]], term_matrix: sparse.csr_matrix,
                vocabulary: np.ndarray, n_terms: int = 6) -> list[list[str]]:
    """c-TF-IDF key terms of each group (class-based TF-IDF, BERTopic-style)."""
    rows = []
    for members in groups:
        rows.append(np.asarray(term_matrix[members].sum(axis=0)).ravel())
    counts = np.vstack(rows)
    totals = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(totals, 1)
    average = totals.mean()
    idf = np.log1p(average / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result = []
    for row, group_counts in zip(scores, counts, strict=True):
        candidates = np.flatnonzero(group_counts >= 2) if (group_counts >= 2).sum() >= n_terms \
            else np.flatnonzero(group_counts > 0)
        order = candidates[np.lexsort((vocabulary[candidates], -row[candidates]))]
        terms: list[str] = []
        for index in order:
            term = str(vocabulary[index])
            parts = set(term.split())
            if any(parts <= set(t.split()) or set(t.split()) <= parts for t in terms):
                continue
            terms.append(term)
            if len(terms) == n_terms:
                break
        result.append(terms)
    return result


def _subthemes(theme: Theme, vectors: np.ndarray, term_matrix: sparse.csr_matrix,
               vocabulary: np.ndarray, raw: Sequence[str], n_quotes: int,
               seed: int) -> list[Theme]:
    members = np.array(theme.members)
    sub = vectors[members]
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(6, len(members) // 10) + 1):
        labels = _kmeans(sub, k, seed)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(sub[:3000], labels[:3000], metric="cosine"))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None or best[0] < 0.02:
        return []
    labels = best[1]
    children = [_describe(members[labels == c], vectors, term_matrix, vocabulary, raw, n_quotes)
                for c in np.unique(labels)]
    children.sort(key=lambda t: (-len(t.members), t.members[0]))
    return children


def add_labels(result: ThemeResult, term_matrix: sparse.csr_matrix, vocabulary: np.ndarray,
               n_terms: int = 6) -> None:
    """Fill the key terms of every theme and sub-theme (siblings compared with each other)."""
    if result.themes:
        for theme, terms in zip(result.themes, label_terms(
                [t.members for t in result.themes], term_matrix, vocabulary, n_terms),
                strict=True):
            theme.terms = terms
    for theme in result.themes:
        if theme.children:
            for child, terms in zip(theme.children, label_terms(
                    [c.members for c in theme.children], term_matrix, vocabulary, n_terms),
                    strict=True):
                child.terms = terms
