"""Themes: TF-IDF of French lemmas → NMF topics (best of several starts), each text in its
strongest topic (or, with a pluggable dense encoder, k-means on its vectors); the number of
themes follows the gap statistic's one-standard-error rule (Tibshirani et al., 2001) applied
to the cosine silhouette in a fixed LSA space (TruncatedSVD): silhouette minus the one the
same clustering reaches on structureless copies of the data, smallest k within one standard
error of the next; the facilitator may set it. Sub-themes by plain silhouette inside each
theme; c-TF-IDF labels; representative quotes (close to the centroid and diverse, MMR); outliers (no topic weight, or
far from their centroid) kept apart.

Deterministic given ``seed``; ties in label terms break alphabetically, quotes by index.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import NMF, TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from parlons.core.analysis.normalise import SPLIT_ON_SPACES, folded_words

Progress = Callable[[str], None]
Clusterer = Callable[[np.ndarray, int], np.ndarray]
# Sample rows, random generator → (clusterer of the structureless copy by k, its vectors)
NullReference = Callable[[np.ndarray, np.random.Generator],
                         tuple[Callable[[int], np.ndarray], np.ndarray]]


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
    fit_sample: int = 20_000

    def encode(self, lemmas: Sequence[str], raw: Sequence[str]) -> np.ndarray:
        return self.encode_counts(term_counts(lemmas)[0])

    def encode_counts(self, counts: sparse.csr_matrix) -> np.ndarray:
        """Encode from a text × 1–2-gram count matrix (shared with the labels)."""
        return self.reduce(self.tfidf(counts))

    def tfidf(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear TF-IDF rows (L2-normalised) of the informative 1–2-grams."""
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        keep = np.flatnonzero((df >= (2 if n >= 50 else 1)) & (df <= (0.5 if n >= 50 else 1) * n))
        if len(keep) > self.max_features:
            keep = np.sort(keep[np.argsort(-df[keep], kind="stable")[: self.max_features]])
        if len(keep) == 0:
            return sparse.csr_matrix((n, 1), dtype=np.float32)
        return TfidfTransformer(sublinear_tf=True).fit_transform(
            counts[:, keep].astype(np.float32)).tocsr()

    def reduce(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """LSA: TruncatedSVD of the TF-IDF rows, L2-normalised (zero rows stay zero)."""
        n = matrix.shape[0]
        k = min(self.dimensions, matrix.shape[1] - 1, n - 1)
        if k < 2:
            return matrix.toarray()
        svd = TruncatedSVD(n_components=k, random_state=self.seed, n_iter=4)
        if n > self.fit_sample:  # fit the projection on a sample, project everything
            rows = np.sort(np.random.default_rng(self.seed).choice(n, self.fit_sample,
                                                                    replace=False))
            svd.fit(matrix[rows])
            reduced = svd.transform(matrix).astype(np.float32)
        else:
            reduced = svd.fit_transform(matrix).astype(np.float32)
        reduced[np.asarray(matrix.sum(axis=1)).ravel() == 0] = 0
        return normalize(reduced)


def term_counts(lemmas: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Text × lemma 1–2-gram counts and the vocabulary (one pass over the texts)."""
    vectorizer = CountVectorizer(token_pattern=SPLIT_ON_SPACES, ngram_range=(1, 2),
                                 dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(lemmas).tocsr()
    except ValueError:  # no word at all
        return sparse.csr_matrix((len(lemmas), 1), dtype=np.float32), np.array(["-"])
    return matrix, vectorizer.get_feature_names_out()


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
                outlier_similarity: float = 0.1, progress: Progress | None = None,
                threads: int | None = 1,
                quote_malus: Sequence[float] | None = None) -> ThemeResult:
    """Group texts into themes; ``n_themes`` overrides the automatic choice.

    ``quote_malus`` (one value per text) is subtracted from a text's relevance as a quote
    (the pipeline uses it for passages cut out of a longer contribution).

    ``threads`` caps the BLAS/OpenMP threads (1 is fastest on a small shared machine; None
    leaves the libraries' default).
    """
    if threads is None:
        return _find_themes(lemmas, raw, n_themes, k_range, encoder, seed, subthemes, n_quotes,
                            outlier_similarity, progress, quote_malus)
    with threadpool_limits(limits=threads):
        return _find_themes(lemmas, raw, n_themes, k_range, encoder, seed, subthemes, n_quotes,
                            outlier_similarity, progress, quote_malus)


def _find_themes(lemmas: Sequence[str], raw: Sequence[str], n_themes: int | None,
                 k_range: tuple[int, int], encoder: Encoder | None, seed: int, subthemes: bool,
                 n_quotes: int, outlier_similarity: float,
                 progress: Progress | None, quote_malus: Sequence[float] | None) -> ThemeResult:
    n = len(lemmas)
    malus = np.zeros(n) if quote_malus is None else np.asarray(quote_malus, dtype=float)
    say = progress or (lambda _message: None)
    say(f"themes: encoding {n} texts")
    term_matrix, vocabulary = term_counts(lemmas)
    tfidf: sparse.csr_matrix | None = None
    default = encoder if isinstance(encoder, TfidfSvdEncoder) else TfidfSvdEncoder(seed=seed)
    if encoder is None or isinstance(encoder, TfidfSvdEncoder):
        tfidf = default.tfidf(term_matrix)
        vectors = default.reduce(tfidf)
    else:
        vectors = np.asarray(encoder.encode(lemmas, raw), dtype=np.float32)
    empty = np.linalg.norm(vectors, axis=1) == 0
    usable = np.flatnonzero(~empty)
    if len(usable) < 3:
        return ThemeResult([], list(range(n)), 0, {}, np.full(n, -1))

    def clusterer(rows: np.ndarray, k: int) -> np.ndarray:
        if tfidf is not None:  # NMF topics on TF-IDF, each text to its strongest topic
            return _nmf_labels(tfidf[usable[rows]], k, seed)
        return _kmeans(vectors[usable[rows]], k, seed)

    def null(rows: np.ndarray, rng: np.random.Generator
             ) -> tuple[Callable[[int], np.ndarray], np.ndarray]:
        if tfidf is not None:
            matrix = _shuffled_columns(tfidf[usable[rows]], rng)
            return (lambda k: _nmf_labels(matrix, k, seed)), default.reduce(matrix)
        space = _shuffled_columns(vectors[usable[rows]], rng)
        return (lambda k: _kmeans(space, k, seed)), space

    labels, k, scores = _cluster(vectors[usable], clusterer, n_themes, k_range, seed, say,
                                 null=null)
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[usable] = labels
    outliers = set(np.flatnonzero(empty).tolist()) | set(usable[labels < 0].tolist())
    themes: list[Theme] = []
    for cluster in range(k):
        members = usable[labels == cluster]
        if len(members) == 0:
            continue
        centroid = normalize(vectors[members].mean(axis=0, keepdims=True))[0]
        similarity = vectors[members] @ centroid
        kept = members[similarity >= outlier_similarity]
        outliers.update(members[similarity < outlier_similarity].tolist())
        if len(kept) == 0:
            continue
        themes.append(_describe(kept, vectors, raw, n_quotes, malus))
    themes.sort(key=lambda t: (-len(t.members), t.members[0]))
    if subthemes:
        say("themes: sub-themes")
        for theme in themes:
            if len(theme.members) >= 40:
                theme.children = _subthemes(theme, vectors, tfidf, raw, n_quotes, seed, malus)
    assignment[:] = -1
    for position, theme in enumerate(themes):
        assignment[theme.members] = position
    result = ThemeResult(themes, sorted(outliers), k, scores, assignment)
    add_labels(result, term_matrix, vocabulary)
    return result


def _cluster(vectors: np.ndarray, clusterer: Clusterer, n_themes: int | None,
             k_range: tuple[int, int], seed: int, say: Progress, sample_size: int = 2000,
             null: NullReference | None = None, n_null: int = 3
             ) -> tuple[np.ndarray, int, dict[int, float]]:
    """Cluster every row; without ``n_themes``, k is chosen on the clustering of a sample of
    at most ``sample_size`` texts and the final clustering uses every text. Score: the cosine
    silhouette (in the fixed ``vectors`` space), minus, with ``null``, the mean silhouette of
    the same clustering of ``n_null`` structureless copies of the sample (the silhouette grows
    with k even on text without themes; the gap does not). See :func:`_choose_k`."""
    n = len(vectors)
    everyone = np.arange(n)
    if n_themes is not None:
        k = max(1, min(n_themes, n))
        return clusterer(everyone, k) if k > 1 else np.zeros(n, dtype=np.int64), k, {}
    low, high = k_range
    high = max(2, min(high, n - 1, int(np.sqrt(n / 2)) + 1))
    low = max(2, min(low, high))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, sample_size), replace=False))
    references = [null(sample, rng) for _ in range(n_null)] if null else []
    scores: dict[int, float] = {}
    spread: dict[int, float] = {}
    for k in range(low, high + 1):
        score = _silhouette(vectors[sample], clusterer(sample, k))
        if score is None:
            continue
        baseline = [b for b in (_silhouette(space, cluster(k)) for cluster, space in references)
                    if b is not None] or [0.0]
        score -= float(np.mean(baseline)) if references else 0.0
        spread[k] = float(np.std(baseline) * np.sqrt(1 + 1 / len(baseline)))
        scores[k] = round(score, 4)
        say(f"themes: k={k} {'silhouette gap' if references else 'silhouette'}={score:.4f}")
        if len(references) >= 2 and _one_standard_error(scores, spread) is not None:
            break  # the rule has fired: larger k cannot change the choice
    if not scores:
        return np.zeros(n, dtype=np.int64), 1, scores
    chosen = _choose_k(scores, spread if len(references) >= 2 else None)
    return clusterer(everyone, chosen), chosen, scores


def _choose_k(scores: dict[int, float], spread: dict[int, float] | None) -> int:
    """With ``spread`` (the reference's standard error), the smallest k whose gap is within one
    standard error of the next k's (Tibshirani's rule); otherwise, or when no k meets it, the
    best-scoring k (ties: smaller k)."""
    chosen = _one_standard_error(scores, spread) if spread is not None else None
    return chosen if chosen is not None else max(sorted(scores), key=lambda k: (scores[k], -k))


def _one_standard_error(scores: dict[int, float], spread: dict[int, float]) -> int | None:
    ks = sorted(scores)
    for k, following in zip(ks, ks[1:], strict=False):
        if scores[k] >= scores[following] - spread[following]:
            return k
    return None


def _silhouette(vectors: np.ndarray, labels: np.ndarray) -> float | None:
    """Cosine silhouette of the placed rows (None unless 2 ≤ groups < placed rows)."""
    placed = labels >= 0
    found = len(np.unique(labels[placed]))
    if found < 2 or found >= placed.sum():
        return None
    return float(silhouette_score(vectors[placed], labels[placed], metric="cosine"))


def _shuffled_columns(matrix: np.ndarray | sparse.csr_matrix, rng: np.random.Generator
                      ) -> np.ndarray | sparse.csr_matrix:
    """A structureless copy: each column's values moved to random rows (for a sparse matrix,
    each term keeps its document frequency and weights but loses its co-occurrences), rows
    L2-normalised again."""
    if not sparse.issparse(matrix):
        return normalize(rng.permuted(matrix, axis=0))
    columns = sparse.csc_matrix(matrix, copy=True)
    n = columns.shape[0]
    for j in range(columns.shape[1]):
        start, end = columns.indptr[j], columns.indptr[j + 1]
        if end > start:
            columns.indices[start:end] = np.sort(rng.choice(n, end - start, replace=False))
    return normalize(columns.tocsr())


NMF_STARTS = ("nndsvd", "nndsvda", "random", "random")  # see :func:`nmf_weights`
SUBTHEME_NMF_STARTS = ("nndsvd",)


def nmf_weights(matrix: sparse.csr_matrix, k: int, seed: int,
                starts: Sequence[str] | None = None) -> np.ndarray:
    """Text × topic weights of the NMF fit with the smallest reconstruction error among one
    fit per start (scikit-learn ``init`` names, :data:`NMF_STARTS` by default; the i-th uses
    ``random_state=seed + i``).

    NMF only finds a local optimum and its deterministic ``nndsvd`` start is often not the
    best one: restarts keep the factorisation that explains the TF-IDF matrix best (ties: the
    earlier start), deterministically given ``seed``."""
    best: tuple[float, np.ndarray] | None = None
    for i, start in enumerate(NMF_STARTS if starts is None else starts):
        model = NMF(n_components=k, init=start, random_state=seed + i, max_iter=200, tol=2e-3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            weights = model.fit_transform(matrix)
        if best is None or model.reconstruction_err_ < best[0]:
            best = (float(model.reconstruction_err_), weights)
    if best is None:
        raise ValueError("at least one NMF start is needed")
    return best[1]


def _nmf_labels(matrix: sparse.csr_matrix, k: int, seed: int,
                starts: Sequence[str] | None = None) -> np.ndarray:
    """Strongest NMF topic of each row (-1 when the row has no weight on any topic)."""
    if k <= 1:
        return np.zeros(matrix.shape[0], dtype=np.int64)
    k = min(k, matrix.shape[0], matrix.shape[1])
    weights = nmf_weights(matrix, k, seed, starts)
    labels = weights.argmax(axis=1).astype(np.int64)
    labels[weights.max(axis=1) <= 1e-9] = -1
    return labels


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(len(vectors), dtype=np.int64)
    if len(vectors) > 20_000:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
    else:  # on L2-normalised rows (near spherical k-means): best inertia of 10 starts
        model = KMeans(n_clusters=k, random_state=seed, n_init=10)
    return model.fit_predict(vectors).astype(np.int64)


def _describe(members: np.ndarray, vectors: np.ndarray, raw: Sequence[str], n_quotes: int,
              malus: np.ndarray) -> Theme:
    centroid = normalize(vectors[members].mean(axis=0, keepdims=True))[0]
    similarity = vectors[members] @ centroid
    return Theme(members=sorted(int(i) for i in members),
                 terms=[], quotes=_quotes(members, similarity - malus[members], vectors, raw,
                                          n_quotes),
                 cohesion=round(float(similarity.mean()), 4))


@dataclass(frozen=True)
class QuoteSettings:
    """How representative quotes are chosen (see :func:`_quotes`).

    Defaults chosen on 20 subsamples of the AN answers and confirmed on 20 others against the
    crowd's syntheses (``benchmarks/analysis_quality.py``).
    """

    diversity: float = 0.1  # MMR weight of the redundancy with the quotes already chosen
    words_range: tuple[int, int] = (12, 40)  # readable length, preferred
    penalty: float = 1.0  # relevance lost outside ``words_range``
    complete_bonus: float = 0.05  # starts with a capital, ends with . ! ? … » )
    duplicate_jaccard: float = 0.5  # never two quotes sharing this share of their words
    pool: int = 50  # candidates: the members closest to the centroid


def _quotes(members: np.ndarray, similarity: np.ndarray, vectors: np.ndarray,
            raw: Sequence[str], n_quotes: int,
            settings: QuoteSettings | None = None) -> list[int]:
    """Maximal marginal relevance among the members closest to the centroid: readable
    passages (``words_range`` words, complete sentences) first, near-copies of a chosen quote
    (word Jaccard ≥ ``duplicate_jaccard``) excluded. ``similarity`` is each member's relevance
    (centroid cosine, minus any malus)."""
    s = settings or QuoteSettings()
    words = np.array([len(raw[i].split()) for i in members])
    bonus = np.where((words >= s.words_range[0]) & (words <= s.words_range[1]), 0.0, -s.penalty)
    bonus += s.complete_bonus * np.array([_complete(raw[i]) for i in members])
    order = np.lexsort((members, -(similarity + bonus)))[: s.pool]
    candidates = members[order]
    relevance = (similarity + bonus)[order]
    word_sets = [set(folded_words(raw[c])) for c in candidates]
    open_ = np.ones(len(candidates), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n_quotes and open_.any():
        redundancy = ((vectors[candidates] @ vectors[[candidates[k] for k in chosen]].T)
                      .max(axis=1) if chosen else np.zeros(len(candidates)))
        score = np.where(open_, (1 - s.diversity) * relevance - s.diversity * redundancy,
                         -np.inf)
        pick = int(np.argmax(score))
        chosen.append(pick)
        open_[pick] = False
        for k in np.flatnonzero(open_):
            if _jaccard(word_sets[k], word_sets[pick]) >= s.duplicate_jaccard:
                open_[k] = False
    return [int(candidates[k]) for k in chosen]


def _complete(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[0].isupper() and text[-1] in ".!?…»)"


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


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


def _subthemes(theme: Theme, vectors: np.ndarray, tfidf: sparse.csr_matrix | None,
               raw: Sequence[str], n_quotes: int, seed: int, malus: np.ndarray) -> list[Theme]:
    members = np.array(theme.members)

    def clusterer(rows: np.ndarray, k: int) -> np.ndarray:
        if tfidf is not None:  # one start: sub-themes are not worth the restarts' cost
            return _nmf_labels(tfidf[members[rows]], k, seed, SUBTHEME_NMF_STARTS)
        return _kmeans(vectors[members[rows]], k, seed)

    labels, k, scores = _cluster(vectors[members], clusterer, None,
                                 (2, min(5, len(members) // 10)), seed, lambda _m: None,
                                 sample_size=800)
    if k < 2 or not scores or scores[k] < 0.02:
        return []
    children = [_describe(members[labels == c], vectors, raw, n_quotes, malus)
                for c in np.unique(labels) if c >= 0 and (labels == c).any()]
    children.sort(key=lambda t: (-len(t.members), t.members[0]))
    return children if len(children) >= 2 else []


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
