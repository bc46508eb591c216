"""The optional sentence encoder (multilingual USE v3 shipped in a numpy-only wheel): vectors,
French paraphrases, and `parlons analyse run --encoder use` on real Decidim proposal titles."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from analysis_paths import DATA
from sklearn.metrics import normalized_mutual_info_score

from parlons.cli import main
from parlons.core.analysis import datasets
from parlons.core.analysis.encoders import UniversalSentenceEncoder, make_encoder
from parlons.core.analysis.themes import TfidfSvdEncoder


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
