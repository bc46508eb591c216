"""Quality of the consultation analysis bench on real French data, side by side with the
field's baselines (TF-IDF + NMF and LDA topics; a BERTopic-style pipeline built offline:
sentence embeddings + PCA + HDBSCAN + c-TF-IDF; TF-IDF + logistic regression without French
normalisation; majority class; random quotes).

    .venv/bin/python benchmarks/analysis_quality.py [--quick] [--only SECTION ...]
        [--quote-seeds FIRST END] [--no-bertopic] [--embedding-cache DIR]
        [--theme-seeds N] [--nmf-starts INIT ...]

Sections: themes vs the AN questionnaire themes and the Decidim categories (NMI, ARI);
idea splitting (real answers joined into multi-point contributions: themes per answer with and
without splitting, boundary precision/recall); supervised typology, stance and spam (5-fold
cross-validated macro-F1); quotes vs the human syntheses (several seeds, paired bootstrap
intervals); near-duplicates (pairwise precision/recall on templated copies).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
warnings.filterwarnings("ignore", message="Maximum number of iterations")  # NMF baselines

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.cluster import HDBSCAN, AgglomerativeClustering  # noqa: E402
from sklearn.decomposition import NMF, PCA, LatentDirichletAllocation  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    adjusted_rand_score,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

from parlons.core.analysis import datasets, themes  # noqa: E402
from parlons.core.analysis.classify import train  # noqa: E402
from parlons.core.analysis.duplicates import find_duplicates  # noqa: E402
from parlons.core.analysis.encoders import (  # noqa: E402
    EncoderUnavailableError,
    HybridEncoder,
    UniversalSentenceEncoder,
)
from parlons.core.analysis.ideas import IdeaUnit, split_ideas  # noqa: E402
from parlons.core.analysis.normalise import FrenchNormaliser, folded_words  # noqa: E402
from parlons.core.analysis.stopwords import STOP_WORDS_FR  # noqa: E402
from parlons.core.analysis.synthetic import (  # noqa: E402
    duplicate_benchmark,
    mixed_contributions,
    pair_scores,
)
from parlons.core.analysis.themes import (  # noqa: E402
    QuoteSettings,
    TfidfSvdEncoder,
    _quotes,
    find_themes,
    label_terms,
    term_counts,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NORMALISER = FrenchNormaliser()
STOP = sorted(STOP_WORDS_FR)
THEME_SEEDS: tuple[int, ...] = (0, 1, 2)  # seeds of the theme rows (``--theme-seeds``)
PART_MALUS = 0.4  # the pipeline's ``Options.part_quote_malus``
PREVIOUS_QUOTES = QuoteSettings(diversity=0.3, words_range=(10, 50), complete_bonus=0.0,
                                duplicate_jaccard=1.01)


def clock():
    return time.perf_counter(), time.process_time()


def since(start) -> str:
    return f"{time.perf_counter() - start[0]:.1f}/{time.process_time() - start[1]:.1f}"


def baseline_topics(texts: list[str], k: int, kind: str, seed: int = 0) -> np.ndarray:
    """The field's baseline: bag of words on raw texts (French stop words), NMF or LDA."""
    if kind == "nmf":
        matrix = TfidfVectorizer(stop_words=STOP, min_df=2, max_df=0.5,
                                 sublinear_tf=True).fit_transform(texts)
        return NMF(n_components=k, random_state=seed, init="nndsvd",
                   max_iter=400).fit_transform(matrix).argmax(axis=1)
    matrix = CountVectorizer(stop_words=STOP, min_df=2, max_df=0.5).fit_transform(texts)
    return LatentDirichletAllocation(n_components=k, random_state=seed).fit_transform(
        matrix).argmax(axis=1)


def theme_agreement(name: str, texts: list[str], truth: list[str], rows: list,
                    embeddings: np.ndarray | None = None) -> None:
    k = len(set(truth))
    lemmas = [NORMALISER.analyse(t) for t in texts]
    fixed_k_rows(name, lemmas, texts, truth, rows)
    auto_rows(name, lemmas, texts, truth, rows)
    for method in ("tfidf+nmf", "lda"):
        start = clock()
        labels = baseline_topics(texts, k, "nmf" if method == "tfidf+nmf" else "lda")
        rows.append((name, method, k, normalized_mutual_info_score(truth, labels),
                     adjusted_rand_score(truth, labels), since(start), ""))
    if embeddings is None:
        return
    for label, encoder in (("use", FixedVectors(embeddings)),
                           ("use+tfidf", HybridEncoder(FixedVectors(embeddings)))):
        start = clock()
        result = find_themes(lemmas, texts, n_themes=k, seed=0, subthemes=False,
                             encoder=encoder)
        rows.append((name, f"parlons --encoder {label}", k,
                     normalized_mutual_info_score(truth, result.assignment),
                     adjusted_rand_score(truth, result.assignment), since(start),
                     "k-means on the same sentence embeddings"
                     + (" joined with the lemma LSA (0.7 / 0.3)" if "+" in label else "")))
        auto_rows(name, lemmas, texts, truth, rows, encoder=encoder,
                  method=f"parlons-auto --encoder {label}")
    for size in (10, 5):  # BERTopic's default min_cluster_size, and a smaller one
        results: dict[str, list] = {}
        start = clock()
        for seed in THEME_SEEDS:
            for variant, (labels, found, _terms) in bertopic_like(embeddings, lemmas, k, size,
                                                                  seed).items():
                results.setdefault(variant, []).append(
                    (found, normalized_mutual_info_score(truth, labels),
                     adjusted_rand_score(truth, labels)))
        for variant, values in results.items():
            found, nmi, ari = (np.array(v) for v in zip(*values, strict=True))
            rows.append((name, f"bertopic mcs={size} {variant}",
                         f"{found.min()}–{found.max()}" if found.min() < found.max()
                         else str(found.min()), nmi.mean(), ari.mean(), since(start),
                         f"seeds {THEME_SEEDS[0]}–{THEME_SEEDS[-1]}: "
                         f"NMI {nmi.min():.3f}–{nmi.max():.3f}, "
                         f"ARI {ari.min():.3f}–{ari.max():.3f}"))


def fixed_k_rows(name: str, lemmas: list[str], texts: list[str], truth: list[str],
                 rows: list) -> None:
    """Parlons with the true number of themes, mean over :data:`THEME_SEEDS`; outliers (-1)
    count as one more group."""
    seeds = THEME_SEEDS
    start = clock()
    values = []
    for seed in seeds:
        result = find_themes(lemmas, texts, n_themes=len(set(truth)), seed=seed,
                             subthemes=False)
        values.append((normalized_mutual_info_score(truth, result.assignment),
                       adjusted_rand_score(truth, result.assignment)))
    nmi, ari = (np.array(v) for v in zip(*values, strict=True))
    rows.append((name, "parlons", len(set(truth)), nmi.mean(), ari.mean(), since(start),
                 f"seeds {seeds[0]}–{seeds[-1]}: NMI {nmi.min():.3f}–{nmi.max():.3f}, "
                 f"ARI {ari.min():.3f}–{ari.max():.3f}"))


def auto_rows(name: str, lemmas: list[str], texts: list[str], truth: list[str],
              rows: list, encoder=None, method: str = "parlons-auto") -> None:
    """Parlons with the automatic number of themes, mean over :data:`THEME_SEEDS` and their
    range; outliers count as one more group, and (second row) reassigned to the nearest theme
    like the BERTopic-style baseline's."""
    seeds = THEME_SEEDS
    start = clock()
    values, reassigned = [], []
    for seed in seeds:
        result = find_themes(lemmas, texts, seed=seed, subthemes=False, encoder=encoder)
        values.append((result.k, normalized_mutual_info_score(truth, result.assignment),
                       adjusted_rand_score(truth, result.assignment),
                       int((result.assignment < 0).sum())))
        labels = outliers_reassigned(result.assignment, encoder, lemmas, texts, seed)
        reassigned.append((normalized_mutual_info_score(truth, labels),
                           adjusted_rand_score(truth, labels)))
    found, nmi, ari, apart = (np.array(v) for v in zip(*values, strict=True))
    rows.append((name, method, "–".join(str(k) for k in sorted(set(found.tolist()))),
                 nmi.mean(), ari.mean(), since(start),
                 f"seeds {seeds[0]}–{seeds[-1]}: k {' '.join(map(str, found))}, NMI "
                 f"{nmi.min():.3f}–{nmi.max():.3f}, ARI {ari.min():.3f}–{ari.max():.3f}; "
                 f"outliers {' '.join(map(str, apart))} (one group)"))
    nmi, ari = (np.array(v) for v in zip(*reassigned, strict=True))
    rows.append((name, f"{method}, reassigned", "", nmi.mean(), ari.mean(), "",
                 f"outliers to the nearest theme centroid; ARI {ari.min():.3f}–{ari.max():.3f}"))


def outliers_reassigned(assignment: np.ndarray, encoder, lemmas: list[str], texts: list[str],
                        seed: int) -> np.ndarray:
    """Each outlier (-1) moved to its nearest theme centroid (cosine, in the themes' space),
    as the baseline's ``reassigned`` variant does with its HDBSCAN outliers."""
    if not (assignment < 0).any() or assignment.max() < 0:
        return assignment.copy()
    return reassign_outliers(assignment, normalize((encoder or TfidfSvdEncoder(seed=seed))
                                                   .encode(lemmas, texts)))


def reassign_outliers(labels: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``labels`` with each outlier (-1) moved to the nearest centroid (cosine) of the
    labelled groups, in the space of ``vectors``; the same rule for Parlons and the
    BERTopic-style baseline (its ``reduce_outliers(strategy="embeddings")``)."""
    labels = labels.copy()
    if not (labels < 0).any() or labels.max() < 0:
        return labels
    centroids = normalize(np.vstack([vectors[labels == t].mean(axis=0)
                                     for t in range(labels.max() + 1)]))
    labels[labels < 0] = (normalize(vectors[labels < 0]) @ centroids.T).argmax(axis=1)
    return labels


class FixedVectors:
    """An :class:`Encoder` returning vectors computed beforehand (rows L2-normalised)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = normalize(vectors)

    def encode(self, lemmas: list[str], raw: list[str]) -> np.ndarray:
        return self.vectors


def bertopic_like(embeddings: np.ndarray, lemmas: list[str], k: int, min_cluster_size: int,
                  seed: int) -> dict[str, tuple[np.ndarray, int, list[list[str]]]]:
    """A BERTopic-style pipeline built offline: sentence embeddings (multilingual USE) →
    PCA to 5 dimensions (UMAP is not installed) → HDBSCAN → c-TF-IDF labels. Variants:
    ``raw`` (outliers -1, one more group), ``reassigned`` (outliers to the nearest topic
    centroid, BERTopic's ``reduce_outliers(strategy="embeddings")``), ``to k`` (then topics
    merged to k by average-linkage cosine clustering of their centroids, BERTopic's
    ``nr_topics``). Returns labels, number of topics and the topics' key terms."""
    reduced = PCA(n_components=5, random_state=seed).fit_transform(embeddings)
    raw = HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(reduced)
    n_topics = int(raw.max()) + 1
    reassigned = reassign_outliers(raw, embeddings)
    merged = reassigned.copy()
    if n_topics > k:
        centroids = normalize(np.vstack([embeddings[reassigned == t].mean(axis=0)
                                         for t in range(n_topics)]))
        merged = AgglomerativeClustering(n_clusters=k, metric="cosine",
                                         linkage="average").fit_predict(centroids)[reassigned]
    counts, vocabulary = term_counts(lemmas)
    out = {}
    for variant, labels in (("raw", raw), ("reassigned", reassigned), ("to k", merged)):
        topics = sorted(set(labels.tolist()) - {-1})
        terms = label_terms([np.flatnonzero(labels == t).tolist() for t in topics], counts,
                            vocabulary, n_terms=4) if topics else []
        out[variant] = (labels, len(topics), terms)
    return out


def sentence_embeddings(texts: list[str], cache: Path | None) -> np.ndarray | None:
    """Multilingual USE vectors of ``texts`` (None when the optional package is missing),
    read from / written to ``cache`` (a folder) when given."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"{key}.npy" if cache else None
    if path and path.exists():
        return np.load(path)
    try:
        encoder = UniversalSentenceEncoder()
    except EncoderUnavailableError as error:
        print(f"(BERTopic-style baseline skipped: {error})")
        return None
    vectors = encoder.encode([], texts)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def cross_validated(examples, folds: int = 5, char: bool = False, seed: int = 0):
    """Macro-F1 (5-fold) of Parlons' classifier, of raw TF-IDF + LR, and of the majority."""
    labels = np.array([e.label for e in examples])
    texts = [e.text for e in examples]
    lemmas = [NORMALISER.analyse(t) for t in texts]
    folded = [" ".join(folded_words(t)) for t in texts] if char else None
    ours, raw, majority = np.empty(len(labels), dtype=object), np.empty(len(labels),
                                                                         dtype=object), []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = train([lemmas[i] for i in train_idx], labels[train_idx].tolist(),
                      folded=[folded[i] for i in train_idx] if folded else None,
                      max_features=5000 if char else 8000, c=2.0)
        ours[test_idx] = model.predict([lemmas[i] for i in test_idx],
                                       [folded[i] for i in test_idx] if folded else None)
        vectorizer = TfidfVectorizer()
        classifier = LogisticRegression(max_iter=2000).fit(
            vectorizer.fit_transform([texts[i] for i in train_idx]), labels[train_idx])
        raw[test_idx] = classifier.predict(vectorizer.transform([texts[i] for i in test_idx]))
        values, counts = np.unique(labels[train_idx], return_counts=True)
        majority.append((test_idx, values[counts.argmax()]))
    base = np.empty(len(labels), dtype=object)
    for idx, value in majority:
        base[idx] = value
    return {name: (f1_score(labels, pred.astype(str), average="macro"),
                   normalized_mutual_info_score(labels, pred.astype(str)),
                   adjusted_rand_score(labels, pred.astype(str)))
            for name, pred in (("parlons", ours), ("tfidf+lr raw", raw), ("majority", base))}


class QuoteScorer:
    """Quotes vs the AN crowd's one-line syntheses of the same answers.

    A quote scores its best TF-IDF cosine (lemmas) with the human syntheses written for the
    members of its theme; a theme scores the mean of its quotes. Higher = the quotes say what
    the human analysts kept.
    """

    def __init__(self) -> None:
        analyses = datasets.an_analyses(DATA)
        syntheses: dict[str, list[str]] = {}
        for document, text in datasets.an_syntheses(DATA):
            syntheses.setdefault(document, []).append(text)
        self.docs = [r for r in analyses if r["document_id"] in syntheses]
        self.texts = [r["text"] for r in self.docs]
        self._lemmas: dict[str, str] = {}
        self.n_syntheses = sum(len(v) for v in syntheses.values())
        self.vectorizer = TfidfVectorizer(token_pattern=r"\S+").fit(
            [self.lemma(t) for t in self.texts]
            + [self.lemma(x) for r in self.docs for x in syntheses[r["document_id"]]])
        self.synthesis_vectors = [self.vectorizer.transform(
            [self.lemma(x) for x in syntheses[r["document_id"]]]) for r in self.docs]

    def lemma(self, text: str) -> str:
        if text not in self._lemmas:
            self._lemmas[text] = NORMALISER.analyse(text)
        return self._lemmas[text]

    def themes(self, groups: list[list[int]], quotes: list[list[str]]) -> list[float]:
        """Score of each theme (``groups`` hold indices into ``self.texts``); NaN if none."""
        out = []
        for members, chosen in zip(groups, quotes, strict=True):
            if not members or not chosen:
                out.append(float("nan"))
                continue
            pool = sparse.vstack([self.synthesis_vectors[m] for m in members])
            sims = (self.vectorizer.transform([self.lemma(q) for q in chosen]) @ pool.T)
            out.append(float(sims.toarray().max(axis=1).mean()))
        return out


def quote_run(scorer: QuoteScorer, seed: int, k: int = 8) -> dict[str, list[float]]:
    """One seed: 80 % of the answers drawn at random, k themes; theme scores per method.

    Same-theme methods (``same:``) re-pick the quotes of Parlons' idea-unit themes, so they
    pair theme by theme; ``e2e:`` methods find their own themes (pair by seed only)."""
    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(len(scorer.texts), size=int(0.8 * len(scorer.texts)),
                             replace=False))
    texts = [scorer.texts[i] for i in sub]
    units = split_ideas(texts, scorer.lemma, seed=seed)
    passages = [texts[u.source][u.start:u.end] for u in units]
    parts = Counter(u.source for u in units)
    malus = np.array([PART_MALUS if parts[u.source] > 1 else 0.0 for u in units])
    unit_lemmas = [scorer.lemma(p) for p in passages]
    result = find_themes(unit_lemmas, passages, n_themes=k, seed=seed, subthemes=False,
                         quote_malus=malus)
    groups = [sorted({int(sub[units[m].source]) for m in t.members}) for t in result.themes]
    vectors = TfidfSvdEncoder(seed=seed).encode(unit_lemmas, passages)
    picks: dict[str, list[list[str]]] = {"same: parlons (default)": [
        [passages[q] for q in t.quotes] for t in result.themes]}
    for theme in result.themes:
        members = np.array(theme.members)
        centroid = normalize(vectors[members].mean(axis=0, keepdims=True))[0]
        similarity = vectors[members] @ centroid
        for name, chosen in (
                ("same: parlons before (MMR 0.3, 10–50 words, passage malus 0.2)",
                 _quotes(members, similarity - np.where(malus[members] > 0, 0.2, 0.0),
                         vectors, passages, 3, PREVIOUS_QUOTES)),
                ("same: closest to the centroid (no MMR, no length rule)",
                 members[np.lexsort((members, -similarity))[:3]].tolist())):
            picks.setdefault(name, []).append([passages[q] for q in chosen])
    scores = {name: scorer.themes(groups, quotes) for name, quotes in picks.items()}
    draws = np.random.default_rng(1000 + seed)
    scores["same: random members (mean of 20 draws)"] = np.nanmean([scorer.themes(
        groups, [[scorer.texts[i] for i in draws.choice(g, size=min(3, len(g)), replace=False)]
                 for g in groups]) for _ in range(20)], axis=0).tolist()
    matrix = TfidfVectorizer(stop_words=STOP, min_df=2, max_df=0.5,
                             sublinear_tf=True).fit_transform(texts)
    weights = NMF(n_components=k, random_state=seed, init="nndsvd",
                  max_iter=400).fit_transform(matrix)
    topic = weights.argmax(axis=1)
    nmf_groups = [np.flatnonzero(topic == t) for t in range(k)]
    scores["e2e: tfidf+nmf topics, top documents"] = scorer.themes(
        [sub[g].tolist() for g in nmf_groups],
        [[texts[i] for i in sorted(g, key=lambda i, t=t: -weights[i, t])[:3]]
         for t, g in enumerate(nmf_groups)])
    whole = find_themes([scorer.lemma(t) for t in texts], texts, n_themes=k, seed=seed,
                        subthemes=False)
    scores["e2e: parlons, whole contributions (--no-split)"] = scorer.themes(
        [sub[t.members].tolist() for t in whole.themes],
        [[texts[q] for q in t.quotes] for t in whole.themes])
    scores["e2e: parlons (default)"] = scores["same: parlons (default)"]
    return scores


def paired_interval(differences: np.ndarray, seed: int = 0, draws: int = 2000
                    ) -> tuple[float, float, float]:
    """Mean of paired differences and its 95 % percentile-bootstrap interval."""
    differences = differences[~np.isnan(differences)]
    rng = np.random.default_rng(seed)
    means = rng.choice(differences, size=(draws, len(differences))).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(differences.mean()), float(low), float(high)


def quote_overlap(seeds: range) -> None:
    """Print the quote comparison over ``seeds`` (per seed, then paired intervals)."""
    scorer = QuoteScorer()
    runs = {seed: quote_run(scorer, seed) for seed in seeds}
    methods = list(runs[seeds[0]])
    print(f"({len(scorer.docs)} AN answers with {scorer.n_syntheses} human syntheses; per "
          "seed 80 % of them, 8 themes; score = mean over themes of the quotes' best cosine)")
    print(f"{'method':<64} {'mean':>6} {'min':>6} {'max':>6}  per seed")
    for method in methods:
        per_seed = [float(np.nanmean(runs[s][method])) for s in seeds]
        print(f"{method:<64} {np.mean(per_seed):6.3f} {min(per_seed):6.3f} "
              f"{max(per_seed):6.3f}  {' '.join(f'{v:.3f}' for v in per_seed)}")
    reference = "same: parlons (default)"
    print("paired differences with Parlons' default, mean and 95 % bootstrap interval:")
    for method in methods:
        if method.startswith("same:") and method != reference:
            diff = np.concatenate([np.subtract(runs[s][reference], runs[s][method])
                                   for s in seeds])
            unit = f"{np.count_nonzero(~np.isnan(diff))} (seed, theme) pairs"
        elif method.startswith("e2e:") and method != "e2e: parlons (default)":
            diff = np.array([np.nanmean(runs[s][reference]) - np.nanmean(runs[s][method])
                             for s in seeds])
            unit = f"{len(seeds)} seeds"
        else:
            continue
        mean, low, high = paired_interval(diff)
        print(f"  default − {method[method.index(':') + 2:]:<58} {mean:+.3f} "
              f"[{low:+.3f}, {high:+.3f}] over {unit}")


def idea_splitting(rows: list, seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    """Half of the AN answers joined 2–3 at a time with answers of other questionnaire themes
    (known truth): the theme of each answer (the unit covering most of it) vs its questionnaire
    theme, without splitting, with Parlons' splitting, and with the true cuts (oracle); and the
    exact-boundary precision/recall of the cuts."""
    items = datasets.an_themes(DATA)
    labels = [i.label for i in items]
    for seed in seeds:
        texts, parts = mixed_contributions([i.text for i in items], labels, seed=seed)

        def agreement(units: list[IdeaUnit], texts=texts, parts=parts) -> tuple[float, float]:
            passages = [texts[u.source][u.start:u.end] for u in units]
            result = find_themes([NORMALISER.analyse(p) for p in passages], passages,
                                 n_themes=4, seed=0, subthemes=False)
            own: dict[int, list[tuple[IdeaUnit, int]]] = {}
            for k, u in enumerate(units):
                own.setdefault(u.source, []).append((u, int(result.assignment[k])))
            truth, found = [], []
            for index, answer_parts in enumerate(parts):
                for start, end, source in answer_parts:
                    _unit, theme = max(own[index], key=lambda o, s=start, e=end:
                                       min(e, o[0].end) - max(s, o[0].start))
                    truth.append(labels[source])
                    found.append(theme)
            return (normalized_mutual_info_score(truth, found),
                    adjusted_rand_score(truth, found))

        start = clock()
        units = split_ideas(texts, NORMALISER.analyse, seed=0)
        spent = since(start)
        cuts = {(u.source, u.start) for a, u in zip(units, units[1:], strict=False)
                if a.source == u.source}
        truth = {(t, p[0]) for t, answer_parts in enumerate(parts) for p in answer_parts[1:]}
        precision = len(cuts & truth) / max(1, len(cuts))
        recall = len(cuts & truth) / max(1, len(truth))
        oracle = [IdeaUnit(t, a, b) for t, answer_parts in enumerate(parts)
                  for a, b, _ in answer_parts]
        rows.append((seed, len(texts), sum(len(p) > 1 for p in parts), len(units),
                     agreement([IdeaUnit(i, 0, len(t)) for i, t in enumerate(texts)]),
                     agreement(units), agreement(oracle), precision, recall, spent))


SECTIONS = ("themes", "ideas", "classifiers", "quotes", "duplicates")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the spam cross-validation and the BERTopic-style baseline")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--quote-seeds", type=int, nargs=2, default=(0, 20),
                        metavar=("FIRST", "END"), help="seeds of the quote comparison")
    parser.add_argument("--no-bertopic", action="store_true",
                        help="skip the BERTopic-style baseline (~140 CPU-s of encoding)")
    parser.add_argument("--embedding-cache", type=Path,
                        help="folder keeping the sentence embeddings between runs")
    parser.add_argument("--theme-seeds", type=int, default=3, metavar="N",
                        help="theme rows (Parlons and BERTopic-style) over seeds 0…N-1")
    parser.add_argument("--nmf-starts", nargs="+", metavar="INIT",
                        help="NMF starts of the themes (default: themes.NMF_STARTS; "
                             "'nndsvd' alone reproduces the single-start figures)")
    args = parser.parse_args()
    global THEME_SEEDS
    THEME_SEEDS = tuple(range(args.theme_seeds))
    if args.nmf_starts:
        themes.NMF_STARTS = tuple(args.nmf_starts)
    total = clock()
    bertopic = not (args.quick or args.no_bertopic)
    for section in args.only:
        if section == "themes":
            themes_section(bertopic, args.embedding_cache)
        elif section == "ideas":
            ideas_section()
        elif section == "classifiers":
            classifiers_section(args.quick)
        elif section == "quotes":
            print("\n## Representative quotes vs human syntheses (seeds "
                  f"{args.quote_seeds[0]}–{args.quote_seeds[1] - 1})")
            quote_overlap(range(*args.quote_seeds))
        else:
            duplicates_section()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ntotal {since(total)} s wall/CPU, peak {peak:.0f} MB, load average "
          f"{os.getloadavg()}")
    return 0


def themes_section(bertopic: bool, cache: Path | None) -> None:
    theme_rows: list = []
    for name, items in (("AN 2016 answers → 4 questionnaire themes", datasets.an_themes(DATA)),
                        ("Decidim proposals → 5 categories", datasets.decidim_categories(DATA)),
                        ("Decidim debate comments → their debate",
                         datasets.decidim_debate_comments(DATA)),
                        ("AN answers → 7 human typology labels (unsupervised)",
                         datasets.an_typology(DATA, coarse=False))):
        texts = [c.text for c in items]
        start = clock()
        embeddings = (sentence_embeddings(texts, cache)
                      if bertopic and not name.startswith("AN answers →") else None)
        if embeddings is not None:
            print(f"(sentence embeddings of {len(texts)} texts: {since(start)} s wall/CPU)")
        theme_agreement(name, texts, [c.label for c in items], theme_rows, embeddings)
    print("\n## Themes vs human categories (NMI / ARI; wall/CPU seconds, BERTopic rows "
          "without the encoding)")
    print(f"{'data set':<52} {'method':<44} {'k':>5} {'NMI':>6} {'ARI':>6} {'time':>9}")
    for name, method, k, nmi, ari, spent, note in theme_rows:
        print(f"{name:<52} {method:<44} {k:>5} {nmi:6.3f} {ari:6.3f} {spent:>9} {note}")


def ideas_section() -> None:
    print("\n## Idea splitting: AN answers joined into multi-point contributions "
          "(per-answer theme NMI / ARI, 4 themes)")
    idea_rows: list = []
    idea_splitting(idea_rows)
    print(f"{'seed':>4} {'texts':>5} {'joined':>6} {'units':>5} {'no split':>13} "
          f"{'parlons split':>13} {'true cuts':>13} {'cut P':>6} {'cut R':>6} {'time':>9}")
    for seed, n, joined, n_units, whole, ours, oracle, precision, recall, spent in idea_rows:
        print(f"{seed:>4} {n:>5} {joined:>6} {n_units:>5} {whole[0]:6.3f}/{whole[1]:6.3f} "
              f"{ours[0]:6.3f}/{ours[1]:6.3f} {oracle[0]:6.3f}/{oracle[1]:6.3f} "
              f"{precision:6.3f} {recall:6.3f} {spent:>9}")


def classifiers_section(quick: bool) -> None:
    print("\n## Supervised classifiers, 5-fold cross-validation (macro-F1 / NMI / ARI)")
    print(f"{'task':<40} {'method':<13} {'macro-F1':>8} {'NMI':>6} {'ARI':>6}")
    tasks = [("AN typology, 7 labels", datasets.an_typology(DATA), False),
             ("AN typology, 4 coarse classes", datasets.an_typology(DATA, coarse=True), False),
             ("stance (AN + Decidim alignment)",
              datasets.an_stance(DATA) + datasets.decidim_stance(DATA), False)]
    if not quick:
        tasks.append(("spam vs legitimate", datasets.spam_examples(DATA), True))
    for name, examples, char in tasks:
        examples = [e for e in examples if sum(x.label == e.label for x in examples) >= 5]
        start = clock()
        for method, (f1, nmi, ari) in cross_validated(examples, char=char).items():
            print(f"{name:<40} {method:<13} {f1:8.3f} {nmi:6.3f} {ari:6.3f}")
        print(f"{'':<40} ({len(examples)} examples, {since(start)} s wall/CPU)")


def duplicates_section() -> None:
    print("\n## Near-duplicates: templated copies of real contributions (pairwise P / R)")
    texts = ([c.text for c in datasets.an_themes(DATA)]
             + [c.text for c in datasets.decidim_stance(DATA)]
             + [c.text for c in datasets.decidim_categories(DATA)])
    print(f"{'seed':>4} {'threshold':>9} {'precision':>9} {'recall':>7} {'texts':>6} {'time':>9}")
    for seed in (1, 2, 3):
        corpus, truth = duplicate_benchmark(texts, n_campaigns=40, seed=seed)
        for threshold in (0.3, 0.4, 0.5, 0.6):
            start = clock()
            found = find_duplicates(corpus, threshold=threshold, seed=0)
            precision, recall = pair_scores(found.representative.tolist(), truth)
            print(f"{seed:>4} {threshold:>9} {precision:9.3f} {recall:7.3f} {len(corpus):>6} "
                  f"{since(start):>9}")


if __name__ == "__main__":
    sys.exit(main())
