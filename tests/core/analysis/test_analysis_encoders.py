"""The optional sentence encoder (multilingual USE v3 shipped in a numpy-only wheel): vectors,
French paraphrases, and `parlons analyse run --encoder use` on real Decidim proposal titles."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from analysis_paths import DATA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from parlons.cli import main
from parlons.core.analysis import datasets
from parlons.core.analysis.encoders import HybridEncoder, UniversalSentenceEncoder, make_encoder
from parlons.core.analysis.themes import TfidfSvdEncoder, find_themes


@pytest.fixture(scope="module")
def encoder():
    return UniversalSentenceEncoder()


def test_vectors_are_normalised_and_paraphrases_are_close(encoder):
    texts = ["Il faut plus de pistes cyclables en ville.",
             "Créer davantage de voies réservées aux vélos dans la commune.",
             "Les impôts locaux sont beaucoup trop élevés."]
    vectors = encoder.encode(["-"] * 3, texts)
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.1
    assert similarity[0, 1] > similarity[1, 2] + 0.1
    assert encoder.encode([], []).shape == (0, 512)


def test_make_encoder_names():
    assert isinstance(make_encoder("tfidf", seed=2), TfidfSvdEncoder)
    with pytest.raises(ValueError, match="unknown encoder"):
        make_encoder("bert")


@pytest.mark.slow
def test_cli_themes_with_the_sentence_encoder(tmp_path):
    items = datasets.decidim_categories(DATA)[:120]
    source = tmp_path / "titles.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "texte"])
        for item in items:  # titles: short, so the test stays fast
            writer.writerow([item.id, item.text.split(". ")[0]])
    out = tmp_path / "out"
    assert main(["analyse", "run", str(source), "--out", str(out), "--encoder", "use",
                 "--themes", "5", "--quiet", "--seed", "1"]) == 0
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert analysis["method"]["encoder"] == "UniversalSentenceEncoder"
    assert 2 <= len(analysis["themes"]) <= 5
    category = {i.id: i.label for i in items}
    rows = [r for r in analysis["contributions"] if r["theme"]]
    assert len(rows) > 0.8 * len(items)
    nmi = normalized_mutual_info_score([category[r["id"]] for r in rows],
                                       [r["theme"] for r in rows])
    assert nmi > 0.1  # chance level is near 0
    assert "UniversalSentenceEncoder" in (out / "bilan.html").read_text(encoding="utf-8")


class _Fixed:
    """A sentence encoder returning given vectors."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def encode(self, lemmas, raw):
        return self.vectors


def test_hybrid_cosine_is_the_weighted_mean_of_both_cosines():
    lemmas = ["velo piste cyclable", "piste cyclable securiser", "impot local baisser",
              "impot taxe fonciere", "", "arbre parc jardin"]
    rng = np.random.default_rng(0)
    sentence = rng.normal(size=(len(lemmas), 16)).astype(np.float32)
    lexical = TfidfSvdEncoder(dimensions=4, seed=0)
    words = lexical.encode(lemmas, lemmas)
    meaning = sentence / np.linalg.norm(sentence, axis=1, keepdims=True)
    vectors = HybridEncoder(_Fixed(sentence), weight=0.7, lexical=lexical).encode(lemmas, lemmas)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    full = [i for i in range(len(lemmas)) if lemmas[i]]  # both parts present
    expected = 0.7 * meaning[full] @ meaning[full].T + 0.3 * words[full] @ words[full].T
    assert np.allclose(vectors[full] @ vectors[full].T, expected, atol=1e-5)
    assert np.allclose(vectors[4], np.hstack([meaning[4], np.zeros(words.shape[1])]),
                       atol=1e-5)  # no lemma: the sentence part alone
    only_meaning = HybridEncoder(_Fixed(sentence), weight=1.0, lexical=lexical)
    assert np.allclose(only_meaning.encode(lemmas, lemmas)[:, :16], meaning, atol=1e-5)
    with pytest.raises(ValueError, match="weight"):
        HybridEncoder(_Fixed(sentence), weight=1.5)


def test_hybrid_themes_follow_the_words_when_the_sentence_vectors_say_nothing():
    rng = np.random.default_rng(1)
    texts, truth = [], []
    for topic, words in enumerate((["velo", "piste", "cyclable", "trottoir", "pieton"],
                                   ["impot", "taxe", "fonciere", "budget", "depense"],
                                   ["arbre", "parc", "jardin", "fleur", "ombre"])):
        for _ in range(40):
            texts.append(" ".join(rng.choice(words, size=4, replace=False)))
            truth.append(topic)
    noise = _Fixed(rng.normal(size=(len(texts), 32)))
    result = find_themes(texts, texts, n_themes=3, seed=0, subthemes=False,
                         encoder=HybridEncoder(noise, weight=0.3))
    assert adjusted_rand_score(truth, result.assignment) > 0.9
    assert isinstance(make_encoder("use+tfidf", seed=2), HybridEncoder)


def test_the_command_line_offers_every_encoder():
    from parlons.cli import build_parser
    from parlons.core.analysis.encoders import ENCODERS

    for name in ENCODERS:
        args = build_parser().parse_args(["analyse", "run", "in.csv", "--out", "o",
                                          "--encoder", name])
        assert args.encoder == name
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyse", "run", "in.csv", "--out", "o", "--encoder", "x"])
