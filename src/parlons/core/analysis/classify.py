"""Supervised text classifiers (typology, stance, spam) learnt from coded examples, saved as
small portable JSON files (vocabulary, IDF, linear coefficients; no pickle), and uncertainty
sampling to choose which contributions an analyst should code next (active learning).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from parlons.core.analysis.normalise import SPLIT_ON_SPACES

FORMAT = "parlons-linear-text-model/1"


@dataclass
class LinearTextModel:
    """TF-IDF of lemma 1–2-grams (+ optional folded char n-grams) and a linear classifier."""

    classes: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n_classes or 1) × n_features
    intercept: np.ndarray
    char_vocabulary: dict[str, int] | None = None
    char_idf: np.ndarray | None = None
    name: str = ""
    notes: str = ""

    def _features(self, lemmas: Sequence[str], folded: Sequence[str] | None,
                  word_counts: tuple[sparse.csr_matrix, dict[str, int]] | None = None,
                  ) -> sparse.csr_matrix:
        if word_counts is None:
            word_counts = count_words(lemmas, [self])
        counts, index = word_counts
        columns = np.fromiter((index[t] for t in sorted(self.vocabulary,
                                                        key=self.vocabulary.__getitem__)),
                              dtype=np.int64, count=len(self.vocabulary))
        words = _tfidf(counts[:, columns], self.idf)
        if self.char_vocabulary is None or self.char_idf is None:
            return words
        vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS,
                                     vocabulary=self.char_vocabulary)
        texts = folded if folded is not None else lemmas
        chars = _tfidf(vectorizer.transform([t[:CHAR_LIMIT] for t in texts]), self.char_idf)
        return sparse.hstack([words, chars], format="csr")

    def probabilities(self, lemmas: Sequence[str], folded: Sequence[str] | None = None,
                      word_counts: tuple[sparse.csr_matrix, dict[str, int]] | None = None,
                      ) -> np.ndarray:
        """Class probabilities, one row per text, columns in ``classes`` order.

        ``word_counts`` (from :func:`count_words`) shares one counting pass between models.
        """
        scores = np.asarray(self._features(lemmas, folded, word_counts) @ self.coef.T)
        scores = scores + self.intercept
        if len(self.classes) == 2 and scores.shape[1] == 1:
            positive = 1 / (1 + np.exp(-scores[:, 0]))
            return np.column_stack([1 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, lemmas: Sequence[str], folded: Sequence[str] | None = None) -> list[str]:
        """Most probable class of each text (ties: first class in ``classes``)."""
        probs = self.probabilities(lemmas, folded)
        return [self.classes[i] for i in probs.argmax(axis=1)]

    def save(self, path: str | Path) -> None:
        """Write the model as JSON."""
        data = {
            "format": FORMAT, "name": self.name, "notes": self.notes, "classes": self.classes,
            "vocabulary": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
            "idf": np.round(self.idf, 5).tolist(),
            "coef": np.round(self.coef, 5).tolist(),
            "intercept": np.round(self.intercept, 5).tolist(),
        }
        if self.char_vocabulary is not None and self.char_idf is not None:
            data["char_vocabulary"] = sorted(self.char_vocabulary,
                                             key=self.char_vocabulary.__getitem__)
            data["char_idf"] = np.round(self.char_idf, 5).tolist()
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LinearTextModel:
        """Read a model written by :meth:`save`; ValueError for another file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: not a readable model ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a Parlons text model ({FORMAT})")
        chars = data.get("char_vocabulary")
        return cls(
            classes=list(data["classes"]),
            vocabulary={t: i for i, t in enumerate(data["vocabulary"])},
            idf=np.array(data["idf"], dtype=np.float64),
            coef=np.array(data["coef"], dtype=np.float64),
            intercept=np.array(data["intercept"], dtype=np.float64),
            char_vocabulary={t: i for i, t in enumerate(chars)} if chars else None,
            char_idf=np.array(data["char_idf"]) if chars else None,
            name=data.get("name", ""), notes=data.get("notes", ""),
        )


CHAR_NGRAMS = (2, 4)
CHAR_LIMIT = 160  # characters of each text used for character n-grams


def count_words(lemmas: Sequence[str], models: Sequence[LinearTextModel],
                ) -> tuple[sparse.csr_matrix, dict[str, int]]:
    """Counts of the union of the models' word 1–2-grams, in one pass over the texts."""
    union = sorted(set().union(*(m.vocabulary for m in models)))
    index = {t: i for i, t in enumerate(union)}
    vectorizer = CountVectorizer(token_pattern=SPLIT_ON_SPACES, ngram_range=(1, 2),
                                 vocabulary=index, dtype=np.float64)
    return vectorizer.transform(lemmas).tocsr(), index


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF × IDF, rows L2-normalised (what TfidfVectorizer computes)."""
    matrix = counts.astype(np.float64).tocsr(copy=True)
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1
    matrix = matrix @ sparse.diags(idf)
    return normalize(matrix).tocsr()


def _vectorizer(kind: str, max_features: int) -> TfidfVectorizer:
    if kind == "word":
        return TfidfVectorizer(token_pattern=SPLIT_ON_SPACES, ngram_range=(1, 2),
                               sublinear_tf=True, max_features=max_features, min_df=2)
    return TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                           max_features=max_features, min_df=2)


def train(lemmas: Sequence[str], labels: Sequence[str], *, folded: Sequence[str] | None = None,
          c: float = 4.0, max_features: int = 20_000, seed: int = 0, name: str = "",
          notes: str = "") -> LinearTextModel:
    """Fit a class-balanced logistic regression on coded examples (2+ classes needed)."""
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("at least two different labels are needed to train")
    words = _vectorizer("word", max_features)
    parts = [words.fit_transform(lemmas)]
    chars = None
    if folded is not None:
        chars = _vectorizer("char", max_features)
        parts.append(chars.fit_transform([t[:CHAR_LIMIT] for t in folded]))
    features = sparse.hstack(parts, format="csr")
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
    with threadpool_limits(limits=1):
        model.fit(features, list(labels))
    return LinearTextModel(
        classes=[str(x) for x in model.classes_],
        vocabulary={t: int(i) for t, i in words.vocabulary_.items()},
        idf=words.idf_.copy(), coef=model.coef_.copy(), intercept=model.intercept_.copy(),
        char_vocabulary={t: int(i) for t, i in chars.vocabulary_.items()} if chars else None,
        char_idf=chars.idf_.copy() if chars else None, name=name, notes=notes,
    )


def uncertainty_order(probabilities: np.ndarray, limit: int = 20,
                      exclude: Sequence[int] = ()) -> list[int]:
    """Indices to code next: smallest margin between the two most probable classes first
    (margin uncertainty sampling); ties by index; ``exclude`` (already coded) left out."""
    if probabilities.shape[1] < 2:
        return []
    top = np.sort(probabilities, axis=1)
    margin = top[:, -1] - top[:, -2]
    order = np.lexsort((np.arange(len(margin)), margin))
    skip = set(exclude)
    return [int(i) for i in order if int(i) not in skip][:limit]
