"""similar_texts: French-aware "similar existing proposals" (hand-built cases)."""

from __future__ import annotations

from parlons.core.analysis.similarity import similar_texts

CANDIDATES = [
    (10, "Créer des pistes cyclables sécurisées le long du boulevard"),
    (11, "Planter des arbres dans les cours d'école"),
    (12, "Une piste cyclable sur le boulevard Gambetta"),
    (13, "Réduire la vitesse des voitures devant les écoles"),
]


def test_best_match_first_and_unrelated_left_out():
    result = similar_texts("piste cyclable boulevard", CANDIDATES)
    ids = [i for i, _ in result]
    assert ids[:2] == [12, 10]
    assert 11 not in ids
    assert all(0.2 <= s <= 1 for _, s in result)
    assert [s for _, s in result] == sorted((s for _, s in result), reverse=True)


def test_accents_plural_and_inflection_do_not_matter():
    # "écoles"/"ecole", "arbres"/"arbre", "plantons"/"planter": lemmas and folding.
    result = similar_texts("Plantons un arbre dans la cour de l'ecole", CANDIDATES)
    assert result and result[0][0] == 11


def test_stop_words_alone_match_nothing():
    assert similar_texts("le la les des de du", CANDIDATES) == []
    assert similar_texts("", CANDIDATES) == []
    assert similar_texts("pistes cyclables", []) == []


def test_limit_and_min_score():
    assert len(similar_texts("piste cyclable boulevard", CANDIDATES, limit=1)) == 1
    assert similar_texts("piste cyclable boulevard", CANDIDATES, limit=0) == []
    assert similar_texts("piste cyclable boulevard", CANDIDATES, min_score=0.99) == []


def test_identical_text_scores_one_and_ties_keep_order():
    candidates = [("b", "Rénover le gymnase municipal"), ("a", "Rénover le gymnase municipal")]
    result = similar_texts("Rénover le gymnase municipal", candidates)
    assert [i for i, _ in result] == ["b", "a"]
    assert result[0][1] == result[1][1] == 1.0
