"""Idea units: French sentence segmentation by hand, units that tile the text, and on real
Assemblée nationale answers joined into multi-point contributions (known truth) the themes of
each answer are recovered better with splitting than without."""

from __future__ import annotations

import pytest
from analysis_paths import DATA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from parlons.core.analysis import datasets
from parlons.core.analysis.ideas import IdeaUnit, sentence_spans, split_ideas
from parlons.core.analysis.normalise import FrenchNormaliser
from parlons.core.analysis.synthetic import mixed_contributions
from parlons.core.analysis.themes import find_themes


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_sentences_respect_french_abbreviations_quotes_and_ellipses():
    assert sentences("Bonjour. M. Dupont et Mme Durand ont dit oui. Il faut des vélos ! "
                     "Et des bus... mais pas trop. Voir p. 3, etc. Fin") == [
        "Bonjour.", "M. Dupont et Mme Durand ont dit oui.", "Il faut des vélos !",
        "Et des bus... mais pas trop.", "Voir p. 3, etc. Fin"]
    assert sentences("J.-P. Martin propose « un parc. » Puis autre chose ?") == [
        "J.-P. Martin propose « un parc. »", "Puis autre chose ?"]


def test_sentences_at_line_breaks_list_markers_and_missing_periods():
    assert sentences("Premier point\nSecond point\n\n  Troisième") == [
        "Premier point", "Second point", "Troisième"]
    assert sentences("Mes propositions : - plus de bus - moins de voitures") == [
        "Mes propositions :", "- plus de bus", "- moins de voitures"]
    assert sentences("Le vélo - et encore.") == ["Le vélo - et encore."]  # one dash: no list
    # no period, but a capitalised function word after a lower-case word; proper nouns stay
    assert sentences("Il faut plus de bus Je pense que Paris est loin") == [
        "Il faut plus de bus", "Je pense que Paris est loin"]
    assert sentences("") == [] and sentences("   ") == []


def test_short_texts_stay_whole_and_units_tile_real_texts():
    normaliser = FrenchNormaliser()
    texts = [c.text for c in datasets.decidim_categories(DATA)] + ["  Oui.  ", "Non merci"]
    units = split_ideas(texts, normaliser.analyse, seed=0)
    assert units[-2:] == [IdeaUnit(len(texts) - 2, 2, 6), IdeaUnit(len(texts) - 1, 0, 9)]
    by_text: dict[int, list[IdeaUnit]] = {}
    for unit in units:
        by_text.setdefault(unit.source, []).append(unit)
    assert sorted(by_text) == list(range(len(texts)))
    split = 0
    for index, own in by_text.items():
        text = texts[index]
        # in order, no overlap, nothing but white space left out
        assert all(a.end <= b.start for a, b in zip(own, own[1:], strict=False))
        assert "".join(text[u.start:u.end] for u in own).replace(" ", "") == \
            "".join(text.split())
        for unit in own:
            assert text[unit.start:unit.end] == text[unit.start:unit.end].strip() != ""
        if len(own) > 1:
            split += 1
            assert all(len(text[u.start:u.end].split()) >= 12 for u in own)
        if len(text.split()) < 24:
            assert len(own) == 1
    assert split >= 10
    assert split_ideas(texts, normaliser.analyse, seed=0) == units  # deterministic


@pytest.mark.slow
def test_splitting_recovers_the_themes_of_joined_real_answers():
    """Half of the 813 AN answers are joined 2–3 at a time with answers of other questionnaire
    themes; each answer should be found in its own theme. Without splitting, a joined
    contribution has one theme; with it, each idea gets its own."""
    items = datasets.an_themes(DATA)
    labels = [i.label for i in items]
    texts, parts = mixed_contributions([i.text for i in items], labels, seed=1)
    assert sum(len(p) > 1 for p in parts) > 100
    normaliser = FrenchNormaliser()

    def agreement(units: list[IdeaUnit]) -> tuple[float, float]:
        passages = [texts[u.source][u.start:u.end] for u in units]
        result = find_themes([normaliser.analyse(p) for p in passages], passages, n_themes=4,
                             seed=0, subthemes=False)
        truth, found = [], []
        for index, answer_parts in enumerate(parts):
            own = [(u, result.assignment[k]) for k, u in enumerate(units) if u.source == index]
            for start, end, source in answer_parts:  # the unit covering most of the answer
                unit, theme = max(own, key=lambda o: min(end, o[0].end) - max(start, o[0].start))
                truth.append(labels[source])
                found.append(theme)
        return normalized_mutual_info_score(truth, found), adjusted_rand_score(truth, found)

    whole = agreement([IdeaUnit(i, 0, len(t)) for i, t in enumerate(texts)])
    units = split_ideas(texts, normaliser.analyse, seed=0)
    split = agreement(units)
    assert len(units) > len(texts) * 1.3
    assert split[0] > whole[0] + 0.05 and split[1] > whole[1] + 0.05


def test_tiny_input_whole_or_split():
    from parlons.core.analysis.model import Contribution
    from parlons.core.analysis.pipeline import Options, run_analysis

    long = ("Moins de voitures en centre ville. Il faut aussi réduire le bruit des bars la nuit "
            "dans le quartier de la gare car personne ne dort. Et planter des arbres partout "
            "dans les cours des écoles pour les enfants en été quand il fait chaud.")
    contributions = [Contribution("1", "Plus de pistes cyclables rue de la Paix."),
                     Contribution("2", long, title="Ville"), Contribution("3", "!!!")]
    for split in (True, False):
        analysis = run_analysis(contributions, Options(split_ideas=split))
        rows = {r["id"]: r for r in analysis["contributions"]}
        split_rows = [r for r in rows.values() if r["ideas"]]
        assert analysis["method"]["ideas"]["texts_split"] == len(split_rows)
        assert analysis["method"]["ideas"]["units"] == 3 + len(sum(
            (r["ideas"][1:] for r in split_rows), []))
        assert split or not split_rows
        text = contributions[1].full_text
        for idea in rows["2"]["ideas"]:
            assert text[idea["start"]:idea["end"]].strip() == text[idea["start"]:idea["end"]]
        assert rows["3"]["theme"] is None and "3" in analysis["outliers"]["member_ids"]
