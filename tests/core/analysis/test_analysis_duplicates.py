"""Exact and near-duplicate groups: hand-made cases and precision/recall on templated copies
of real contributions (the truth is known by construction)."""

from __future__ import annotations

import numpy as np
from analysis_paths import DATA

from parlons.core.analysis import datasets
from parlons.core.analysis.duplicates import find_duplicates, minhash
from parlons.core.analysis.synthetic import duplicate_benchmark, pair_scores

ROCADE = ("Je suis contre le projet de rocade car il détruit la forêt de Haye, les zones humides "
          "et les terres agricoles du plateau")


def test_exact_and_near_groups_by_hand():
    texts = [
        ROCADE,
        "Bonjour, " + ROCADE.replace("de Haye", "") + " Cordialement.",  # near
        ROCADE.upper() + " !!!",  # exact once normalised
        "Il faut plus de bus le dimanche dans le quartier nord de la ville",
        "Plus de pistes cyclables",
        "plus de pistes cyclables.",
        # same template, other meaning: word-pair Jaccard 8/18 = 0.44 < 0.5, kept apart
        "Il faut moins de bus le dimanche dans le quartier sud de la commune",
    ]
    result = find_duplicates(texts)
    groups = {g.members: g.kind for g in result.groups}
    assert groups == {(0, 1, 2): "near", (4, 5): "exact"}
    assert result.representative.tolist() == [0, 0, 0, 3, 4, 4, 6]
    assert result.distinct().tolist() == [0, 3, 4, 6]


def test_minhash_estimates_jaccard():
    # sets {0..99} and {50..149}: Jaccard 50/150
    indices = np.r_[np.arange(100), np.arange(50, 150)].astype(np.uint64)
    signatures = minhash(np.array([0, 100, 200]), indices, 512, seed=3)
    estimate = (signatures[0] == signatures[1]).mean()
    assert abs(estimate - 1 / 3) < 0.07


def test_precision_and_recall_on_templated_real_contributions():
    texts = ([c.text for c in datasets.an_themes(DATA)]
             + [c.text for c in datasets.decidim_stance(DATA)])
    corpus, truth = duplicate_benchmark(texts, n_campaigns=30, seed=7)
    result = find_duplicates(corpus, seed=0)  # default threshold 0.5 (conservative)
    precision, recall = pair_scores(result.representative.tolist(), truth)
    assert precision >= 0.98
    assert recall >= 0.75  # copies of short texts with 4 edits fall below 0.5
    lenient = find_duplicates(corpus, threshold=0.35, seed=0)
    precision, recall = pair_scores(lenient.representative.tolist(), truth)
    assert precision >= 0.98
    assert recall >= 0.9
    again = find_duplicates(corpus, seed=0)
    assert again.representative.tolist() == result.representative.tolist()
