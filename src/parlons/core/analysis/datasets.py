"""Coded examples from the shared consultation data, for training and evaluating the bundled
models (spam, typology, stance). Paths point into a ``data`` folder such as ``../shared/data``.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from parlons.core.analysis.normalise import clean_text

AN = "consultations/fr_assemblee_nationale_egalite_fh_2016"
DECIDIM = "consultations/fr_decidim_grand_debat_mel_nancy_2019"
SPAM = "consultations/multi_decidim_ai_spam_training"

# Assemblée nationale crowdsourced typology columns → labels.
AN_TYPES = {
    "nouvelles mesures": "new measure", "pour 1 mesure": "for a measure",
    "contre 1 mesure": "against a measure", "XP personnelle": "personal experience",
    "description pb": "problem description", "analyse des causes": "cause analysis",
    "questions": "question", "analyse ou proposit°": "general analysis or proposal",
}
# Coarse typology shipped with Parlons (proposal / problem / opinion / question).
COARSE = {
    "new measure": "proposal", "general analysis or proposal": "opinion",
    "for a measure": "opinion", "against a measure": "opinion",
    "personal experience": "problem", "problem description": "problem",
    "cause analysis": "problem", "question": "question",
}


@dataclass(frozen=True)
class Coded:
    """One coded text: id, text, label and (when known) a group such as the question."""

    id: str
    text: str
    label: str
    group: str = ""


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def an_analyses(data: Path) -> list[dict[str, str]]:
    """The 787 AN answers with consolidated crowd typology scores."""
    path = data / AN / "crowdsourcing" / "crowdsource_resultat_analyses.csv"
    return [r for r in _rows(path) if r.get("text", "").strip()]


def an_typology(data: Path, coarse: bool = False) -> list[Coded]:
    """AN answers labelled with the type having the highest crowd share (ties: column order)."""
    result = []
    for row in an_analyses(data):
        shares = [(float(row[col] or 0), label) for col, label in AN_TYPES.items()]
        best = max(shares, key=lambda s: s[0])
        if best[0] <= 0:
            continue
        label = COARSE[best[1]] if coarse else best[1]
        result.append(Coded(row["document_id"], clean_text(row["text"]), label, row["theme"]))
    return result


def an_stance(data: Path) -> list[Coded]:
    """AN answers as for/against/none from the crowd's "for/against a measure" shares."""
    result = []
    for row in an_analyses(data):
        pro, con = float(row["pour 1 mesure"] or 0), float(row["contre 1 mesure"] or 0)
        label = "for" if pro >= 0.5 > con else "against" if con >= 0.5 > pro else "none"
        if pro >= 0.5 and con >= 0.5:
            continue  # contradictory codes
        result.append(Coded(f"an-{row['document_id']}", clean_text(row["text"]), label))
    return result


def decidim_stance(data: Path) -> list[Coded]:
    """Decidim comments with the author's own alignment (for/against/none)."""
    names = {"1": "for", "-1": "against", "0": "none"}
    result = []
    for name in ("commentaires_debats.csv", "commentaires_propositions_libres.csv"):
        for row in _rows(data / DECIDIM / name, ";"):
            text = clean_text(row["body"])
            if text and row.get("alignment", "").strip() in names:
                result.append(Coded(f"decidim-{row['id']}", text, names[row["alignment"].strip()]))
    return result


def an_syntheses(data: Path) -> list[tuple[str, str]]:
    """(document_id, human one-line synthesis) pairs."""
    path = data / AN / "crowdsourcing" / "crowdsource_resultat_syntheses.csv"
    return [(r["document_id"], r["synthese"]) for r in _rows(path) if r["synthese"].strip()]


def an_themes(data: Path) -> list[Coded]:
    """AN open answers with their questionnaire theme (4 themes)."""
    path = data / AN / "text-analysis" / "contributions.csv"
    themes = {"place des femmes dans les media et sur le web", "partage des responsabilités "
              "parentales", "violences conjugales", "pensions alimentaires"}
    return [Coded(str(i), clean_text(r["text"]), r["theme"])
            for i, r in enumerate(_rows(path)) if r["theme"] in themes and r["text"].strip()]


def decidim_categories(data: Path) -> list[Coded]:
    """Decidim proposals (title + body) with their category, where one is set."""
    result = []
    for row in _rows(data / DECIDIM / "propositions-libres.csv", ";"):
        category = row.get("category/name/fr", "").strip()
        if category and row["body"].strip():
            text = clean_text(f"{row['title']}. {row['body']}")
            result.append(Coded(row["id"], text, category))
    return result


def decidim_debate_comments(data: Path, min_words: int = 5, min_per_debate: int = 20
                            ) -> list[Coded]:
    """Comments on the Decidim debates (≥ ``min_words`` words), labelled by their debate, for
    the debates with at least ``min_per_debate`` such comments."""
    rows = [r for r in _rows(data / DECIDIM / "commentaires_debats.csv", ";")
            if r["commentable_type"].endswith("Debate") and len(r["body"].split()) >= min_words]
    counts = Counter(r["commentable_id"] for r in rows)
    return [Coded(r["id"], clean_text(r["body"]), r["commentable_id"]) for r in rows
            if counts[r["commentable_id"]] >= min_per_debate]


def spam_examples(data: Path) -> list[Coded]:
    """Spam (Decidim AI training set) and ham (French contributions, English Polis statements)."""
    result = []
    for name in ("spam_comments.csv", "blocked_accounts.csv"):
        with (data / SPAM / name).open(encoding="utf-8", errors="replace", newline="") as handle:
            for i, row in enumerate(csv.reader(handle, delimiter=";")):
                text = clean_text(";".join(row[1:]))
                if text:
                    result.append(Coded(f"{name}:{i}", text, "spam"))
    for item in an_themes(data):
        result.append(Coded(f"an:{item.id}", item.text, "ham"))
    for item in decidim_stance(data):
        result.append(Coded(item.id, item.text, "ham"))
    for item in decidim_categories(data):
        result.append(Coded(f"prop:{item.id}", item.text, "ham"))
    for folder in sorted((data / "polis").glob("*/comments.csv")):
        for row in _rows(folder):
            if row.get("moderated", "0").strip() != "-1" and row.get("comment-body", "").strip():
                result.append(Coded(f"polis:{folder.parent.name}:{row['comment-id']}",
                                    clean_text(row["comment-body"]), "ham"))
    return result
