"""Quality of the consultation analysis bench on real French data, side by side with the
field's baselines (TF-IDF + NMF and LDA topics; TF-IDF + logistic regression without French
normalisation; majority class; random quotes).

    .venv/bin/python benchmarks/analysis_quality.py [--quick]

Sections: themes vs the AN questionnaire themes and the Decidim categories (NMI, ARI);
idea splitting (real answers joined into multi-point contributions: themes per answer with and
without splitting, boundary precision/recall); supervised typology, stance and spam (5-fold
cross-validated macro-F1); quotes vs the human syntheses; near-duplicates (pairwise
precision/recall on templated copies).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from sklearn.decomposition import NMF, LatentDirichletAllocation  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    adjusted_rand_score,
    f1_score,
    normalized_mutual_info_score,
)
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from parlons.core.analysis import datasets  # noqa: E402
from parlons.core.analysis.classify import train  # noqa: E402
from parlons.core.analysis.duplicates import find_duplicates  # noqa: E402
from parlons.core.analysis.ideas import IdeaUnit, split_ideas  # noqa: E402
from parlons.core.analysis.normalise import FrenchNormaliser, folded_words  # noqa: E402
from parlons.core.analysis.stopwords import STOP_WORDS_FR  # noqa: E402
from parlons.core.analysis.synthetic import (  # noqa: E402
    duplicate_benchmark,
    mixed_contributions,
    pair_scores,
)
from parlons.core.analysis.themes import _quotes, find_themes  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NORMALISER = FrenchNormaliser()
STOP = sorted(STOP_WORDS_FR)


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


def theme_agreement(name: str, texts: list[str], truth: list[str], rows: list) -> None:
    k = len(set(truth))
    lemmas = [NORMALISER.analyse(t) for t in texts]
    for method in ("parlons", "parlons-auto", "tfidf+nmf", "lda"):
        start = clock()
        if method.startswith("parlons"):
            result = find_themes(lemmas, texts, n_themes=None if method.endswith("auto") else k,
                                 seed=0, subthemes=False)
            labels = result.assignment  # outliers (-1) count as one more group
            found = result.k
        else:
            labels = baseline_topics(texts, k, "nmf" if method == "tfidf+nmf" else "lda")
            found = k
        rows.append((name, method, found, normalized_mutual_info_score(truth, labels),
                     adjusted_rand_score(truth, labels), since(start)))


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


def quote_overlap(rows: list, seed: int = 0) -> None:
    """Quotes vs human one-line syntheses of the same answers (AN crowdsourcing).

    For each theme, every quote is compared (TF-IDF cosine on lemmas) with the human syntheses
    written for the theme's members; a quote scores its best match. Higher = the quote says
    what the human analysts kept. Random members and NMF's top documents are the baselines.
    """
    analyses = datasets.an_analyses(DATA)
    syntheses: dict[str, list[str]] = {}
    for document, text in datasets.an_syntheses(DATA):
        syntheses.setdefault(document, []).append(text)
    docs = [r for r in analyses if r["document_id"] in syntheses]
    texts = [r["text"] for r in docs]
    lemmas = [NORMALISER.analyse(t) for t in texts]
    all_syn = [s for r in docs for s in syntheses[r["document_id"]]]
    vectorizer = TfidfVectorizer(token_pattern=r"\S+").fit(
        lemmas + [NORMALISER.analyse(s) for s in all_syn])

    def score(groups: list[list[int]], quotes: list[list[str]]) -> tuple[float, float]:
        """Mean best cosine of the quotes (texts) and their mean length in words."""
        values = []
        for members, chosen in zip(groups, quotes, strict=True):
            pool = [NORMALISER.analyse(s) for m in members
                    for s in syntheses[docs[m]["document_id"]]]
            if not pool or not chosen:
                continue
            sims = (vectorizer.transform([NORMALISER.analyse(q) for q in chosen])
                    @ vectorizer.transform(pool).T).toarray()
            values.extend(sims.max(axis=1))
        words = [len(q.split()) for chosen in quotes for q in chosen]
        return float(np.mean(values)), float(np.mean(words))

    k = 8

    def parlons(units: list[IdeaUnit], malus: float = 0.2, **quote_options
                ) -> tuple[float, float]:
        passages = [texts[u.source][u.start:u.end] for u in units]
        parts = Counter(u.source for u in units)
        result = find_themes([NORMALISER.analyse(p) for p in passages], passages, n_themes=k,
                             seed=seed, subthemes=False,
                             quote_malus=[malus if parts[u.source] > 1 else 0.0 for u in units])
        if quote_options:  # re-pick the quotes of the same themes with other settings
            vectors = _theme_vectors(passages, seed)
            for theme in result.themes:
                members = np.array(theme.members)
                centroid = vectors[members].mean(axis=0)
                centroid /= max(np.linalg.norm(centroid), 1e-12)
                theme.quotes = _quotes(members, vectors[members] @ centroid, vectors, passages,
                                       3, **quote_options)
        groups = [sorted({units[m].source for m in t.members}) for t in result.themes]
        return score(groups, [[passages[q] for q in t.quotes] for t in result.themes])

    whole = [IdeaUnit(i, 0, len(t)) for i, t in enumerate(texts)]
    split = split_ideas(texts, NORMALISER.analyse, seed=seed)
    result = find_themes(lemmas, texts, n_themes=k, seed=seed, subthemes=False)
    groups = [t.members for t in result.themes]
    rng = np.random.default_rng(seed)
    random_scores = [score(groups, [[texts[q] for q in rng.choice(g, size=min(3, len(g)),
                                                                  replace=False)]
                                    for g in groups]) for _ in range(20)]
    matrix = TfidfVectorizer(stop_words=STOP, min_df=2, max_df=0.5,
                             sublinear_tf=True).fit_transform(texts)
    weights = NMF(n_components=k, random_state=seed, init="nndsvd",
                  max_iter=400).fit_transform(matrix)
    topic = weights.argmax(axis=1)
    nmf_groups = [np.flatnonzero(topic == t).tolist() for t in range(k)]
    nmf_quotes = [[texts[i] for i in sorted(g, key=lambda i, t=t: -weights[i, t])[:3]]
                  for t, g in enumerate(nmf_groups)]
    rows.append(("parlons, whole contributions (centroid + MMR, 10–50 words)", *parlons(whole)))
    rows.append(("parlons, idea units (default pipeline)", *parlons(split)))
    rows.append(("parlons, idea units, no preference for whole texts", *parlons(split, 0.0)))
    rows.append(("parlons before (6–120 words preferred, weak penalty)",
                 *parlons(whole, words_range=(6, 120), penalty=0.2)))
    rows.append(("tfidf+nmf top documents of each topic", *score(nmf_groups, nmf_quotes)))
    rows.append(("random members of the same themes (mean of 20)",
                 float(np.mean([r[0] for r in random_scores])),
                 float(np.mean([r[1] for r in random_scores]))))
    rows.append((f"({len(docs)} answers with {len(all_syn)} human syntheses, {k} themes)",
                 None, None))


def _theme_vectors(passages: list[str], seed: int) -> np.ndarray:
    from parlons.core.analysis.themes import TfidfSvdEncoder

    lemmas = [NORMALISER.analyse(p) for p in passages]
    return TfidfSvdEncoder(seed=seed).encode(lemmas, passages)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the spam cross-validation")
    args = parser.parse_args()
    total = clock()

    theme_rows: list = []
    an = datasets.an_themes(DATA)
    theme_agreement("AN 2016 answers → 4 questionnaire themes", [c.text for c in an],
                    [c.label for c in an], theme_rows)
    decidim = datasets.decidim_categories(DATA)
    theme_agreement("Decidim proposals → 5 categories", [c.text for c in decidim],
                    [c.label for c in decidim], theme_rows)
    typology = datasets.an_typology(DATA, coarse=False)
    theme_agreement("AN answers → 7 human typology labels (unsupervised)",
                    [c.text for c in typology], [c.label for c in typology], theme_rows)
    print("\n## Themes vs human categories (NMI / ARI; wall/CPU seconds)")
    print(f"{'data set':<52} {'method':<13} {'k':>3} {'NMI':>6} {'ARI':>6} {'time':>9}")
    for name, method, k, nmi, ari, spent in theme_rows:
        print(f"{name:<52} {method:<13} {k:>3} {nmi:6.3f} {ari:6.3f} {spent:>9}")

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

    print("\n## Supervised classifiers, 5-fold cross-validation (macro-F1 / NMI / ARI)")
    print(f"{'task':<40} {'method':<13} {'macro-F1':>8} {'NMI':>6} {'ARI':>6}")
    tasks = [("AN typology, 7 labels", datasets.an_typology(DATA), False),
             ("AN typology, 4 coarse classes", datasets.an_typology(DATA, coarse=True), False),
             ("stance (AN + Decidim alignment)",
              datasets.an_stance(DATA) + datasets.decidim_stance(DATA), False)]
    if not args.quick:
        tasks.append(("spam vs legitimate", datasets.spam_examples(DATA), True))
    for name, examples, char in tasks:
        examples = [e for e in examples if sum(x.label == e.label for x in examples) >= 5]
        start = clock()
        for method, (f1, nmi, ari) in cross_validated(examples, char=char).items():
            print(f"{name:<40} {method:<13} {f1:8.3f} {nmi:6.3f} {ari:6.3f}")
        print(f"{'':<40} ({len(examples)} examples, {since(start)} s wall/CPU)")

    print("\n## Representative quotes vs human syntheses (mean best TF-IDF cosine; words)")
    quote_rows: list = []
    quote_overlap(quote_rows)
    for name, value, words in quote_rows:
        print(f"{name:<62} {'' if value is None else f'{value:.3f} {words:5.1f}'}")

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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ntotal {since(total)} s wall/CPU, peak {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
