"""Supervised classifiers: JSON round trip, uncertainty sampling by hand, held-out quality of
spam and typology models trained on real coded data, and the bundled models' files."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_paths import DATA
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from parlons.core.analysis import datasets
from parlons.core.analysis.bundled import NAMES, load_model
from parlons.core.analysis.classify import LinearTextModel, train, uncertainty_order
from parlons.core.analysis.normalise import FrenchNormaliser, folded_words


def test_uncertainty_order_by_hand():
    probabilities = np.array([[0.9, 0.1], [0.55, 0.45], [0.5, 0.5], [0.7, 0.3], [0.45, 0.55]])
    # margins: 0.8, 0.1, 0.0, 0.4, 0.1 → 2, then 1 and 4 (tie: index), then 3
    assert uncertainty_order(probabilities, limit=4) == [2, 1, 4, 3]
    assert uncertainty_order(probabilities, limit=2, exclude=[2]) == [1, 4]


def test_save_and_load_give_the_same_predictions(tmp_path):
    lemmas = ["velo piste", "piste cyclable velo", "arbre parc", "parc jardin arbre",
              "velo rue", "arbre rue"]
    labels = ["mobilite", "mobilite", "nature", "nature", "mobilite", "nature"]
    model = train(lemmas, labels, folded=lemmas)
    model.save(tmp_path / "m.json")
    loaded = LinearTextModel.load(tmp_path / "m.json")
    new = ["piste velo", "jardin"]
    assert np.allclose(model.probabilities(new, new), loaded.probabilities(new, new), atol=1e-3)
    assert loaded.predict(new, new) == ["mobilite", "nature"]
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not a Parlons text model"):
        LinearTextModel.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="two different labels"):
        train(["a", "b"], ["x", "x"])


@pytest.mark.slow
def test_spam_model_on_held_out_examples():
    everything = datasets.spam_examples(DATA)
    ham = [e for e in everything if e.label == "ham"]
    examples = [e for e in everything if e.label == "spam"] + ham[::3]  # lighter, still real
    normaliser = FrenchNormaliser()
    train_set, test_set = train_test_split(examples, test_size=0.3, random_state=0,
                                           stratify=[e.label for e in examples])
    model = train([normaliser.analyse(e.text) for e in train_set], [e.label for e in train_set],
                  folded=[" ".join(folded_words(e.text)) for e in train_set], max_features=5000, c=2.0)
    predicted = model.predict([normaliser.analyse(e.text) for e in test_set],
                              [" ".join(folded_words(e.text)) for e in test_set])
    truth = [e.label for e in test_set]
    assert f1_score(truth, predicted, pos_label="spam") >= 0.85
    ham_errors = sum(p == "spam" for p, t in zip(predicted, truth, strict=True) if t == "ham")
    assert ham_errors / truth.count("ham") <= 0.01


@pytest.mark.slow
def test_typology_model_beats_the_majority_class_on_held_out_answers():
    examples = datasets.an_typology(DATA, coarse=True)
    normaliser = FrenchNormaliser()
    train_set, test_set = train_test_split(examples, test_size=0.3, random_state=0)
    model = train([normaliser.analyse(e.text) for e in train_set], [e.label for e in train_set])
    predicted = model.predict([normaliser.analyse(e.text) for e in test_set])
    truth = [e.label for e in test_set]
    majority = max(set(truth), key=truth.count)
    baseline = f1_score(truth, [majority] * len(truth), average="macro")
    assert f1_score(truth, predicted, average="macro") > baseline + 0.15


def test_bundled_models_load():
    for name in NAMES:
        model = load_model(name)
        assert model.name == name and len(model.classes) >= 2
    assert load_model("spam").classes == ["ham", "spam"]
    assert set(load_model("stance").classes) == {"for", "against", "none"}
