"""French normalisation: masking, folding, lemmas, stop words and language detection."""

from __future__ import annotations

import csv

from analysis_paths import DATA, SPAM

from parlons.core.analysis import datasets
from parlons.core.analysis.normalise import FrenchNormaliser, canonical, fold, mask_personal_data


def test_masking_of_personal_data():
    text = ("Écrivez à jean.dupont@mairie-exemple.fr ou au 06 12 34 56 78, +33 1 23 45 67 89, "
            "01.23.45.67.89 ; voir https://exemple.fr/projet?id=3 et www.ville.fr. "
            "Budget : 12 000 euros en 2024, 3 bancs.")
    masked = mask_personal_data(text)
    assert masked == ("Écrivez à [EMAIL] ou au [TEL], [TEL], [TEL] ; voir [URL] et [URL] "
                      "Budget : 12 000 euros en 2024, 3 bancs.")


def test_fold_and_canonical():
    assert fold("Élève ŒUVRE à Noël") == "eleve oeuvre a noel"
    assert canonical("  Je suis CONTRE !!  le projet... ") == canonical("je suis contre le projet")


def test_lemmas_without_stop_words():
    normaliser = FrenchNormaliser()
    assert normaliser.lemmas("Les enfants jouaient dans les écoles et mangeaient") == [
        "enfant", "jouer", "ecole", "manger"]
    assert normaliser.lemmas("le la les de des du et à") == []
    assert FrenchNormaliser(extra_stop_words=["école"]).lemmas("les écoles") == []


def test_language_detection_on_real_texts():
    normaliser = FrenchNormaliser()
    french = [c.text for c in datasets.an_themes(DATA)]
    with (SPAM / "spam_comments.csv").open(encoding="utf-8", errors="replace") as handle:
        spam = [";".join(row[1:]) for row in csv.reader(handle, delimiter=";")]
    french_ok = sum(normaliser.is_french(t) for t in french) / len(french)
    spam_flagged = sum(not normaliser.is_french(t) for t in spam) / len(spam)
    assert french_ok >= 0.97
    assert spam_flagged >= 0.9  # the spam is English, Arabic...
