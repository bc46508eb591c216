"""End-to-end analysis: duplicates → normalisation → language and spam flags → idea units →
themes → typology and stance, returned as a JSON-ready dictionary (the ``analysis.json``
schema).

Every figure carries the ids of the contributions it counts. Themes, typology and stance are
computed once per distinct text (duplicates collapsed) and counted over all contributions.
Themes are found on idea units (a long contribution making several points is split, see
:mod:`ideas`), so a contribution counts in every theme one of its ideas belongs to; each quote
carries its contribution id and the character offsets of the passage in its text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from parlons.core.analysis.bundled import load_model
from parlons.core.analysis.classify import CHAR_LIMIT, LinearTextModel, count_words
from parlons.core.analysis.duplicates import find_duplicates
from parlons.core.analysis.ideas import IdeaUnit, split_ideas
from parlons.core.analysis.model import Contribution
from parlons.core.analysis.normalise import FrenchNormaliser, folded_words
from parlons.core.analysis.themes import Encoder, Theme, find_themes

FORMAT = "parlons-analysis/2"  # /2: overlapping themes (idea units); docs/analysis_format.md
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """Analysis settings; ``n_themes`` None chooses the number of themes automatically."""

    n_themes: int | None = None
    seed: int = 0
    duplicate_threshold: float = 0.5
    spam_threshold: float = 0.5
    mixed_threshold: float = 0.3
    n_quotes: int = 3
    quote_chars: int = 400
    split_ideas: bool = True
    idea_min_words: int = 12
    idea_threshold: float = 0.15
    part_quote_malus: float = 0.4  # whole contributions are preferred as quotes over passages
    campaign_quote_malus: float = 0.3  # and individual voices over campaign texts (own section)
    campaign_copies: int = 3  # a text with this many copies or more is a campaign
    threads: int | None = 1


def run_analysis(contributions: Sequence[Contribution], options: Options | None = None,
                 encoder: Encoder | None = None, progress: Progress | None = None,
                 context: dict | None = None,
                 models: dict[str, LinearTextModel] | None = None) -> dict:
    """Analyse ``contributions``; see the module docstring.

    ``models`` replaces bundled models by name (``typology``, ``stance``: an analyst's own).
    """
    options = options or Options()
    say = progress or (lambda _message: None)
    n = len(contributions)
    ids = [c.id for c in contributions]
    texts = [c.full_text for c in contributions]
    say(f"duplicates: {n} contributions")
    duplicates = find_duplicates(texts, threshold=options.duplicate_threshold, seed=options.seed)
    distinct = duplicates.distinct()
    say(f"normalisation: {len(distinct)} distinct texts")
    normaliser = FrenchNormaliser()
    distinct_texts = [texts[i] for i in distinct]
    analysed = [normaliser.analyse_with_ratio(t) for t in distinct_texts]
    lemmas = [a[0] for a in analysed]
    french = np.array([a[2] < 3 or a[1] >= 0.6 for a in analysed])
    say("spam, typology and stance")
    folded = [" ".join(folded_words(t[:CHAR_LIMIT])) for t in distinct_texts]
    models = {name: (models or {}).get(name) or load_model(name)
              for name in ("spam", "typology", "stance")}
    counts = count_words(lemmas, list(models.values()))
    spam_p = models["spam"].probabilities(lemmas, folded, counts)[:, 1]
    spam = spam_p >= options.spam_threshold
    typology_p = models["typology"].probabilities(lemmas, None, counts)
    typology = [models["typology"].classes[k] for k in typology_p.argmax(axis=1)]
    stance_p = models["stance"].probabilities(lemmas, None, counts)
    if {"for", "against"} <= set(models["stance"].classes):
        stance = _stances(stance_p, models["stance"].classes, options.mixed_threshold)
    else:
        stance = [models["stance"].classes[k] for k in stance_p.argmax(axis=1)]
    analysable = np.flatnonzero(french & ~spam)
    analysable_texts = [distinct_texts[i] for i in analysable]
    if options.split_ideas:
        say(f"ideas: splitting {len(analysable)} texts")
        units = split_ideas(analysable_texts, normaliser.analyse,
                            min_unit_words=options.idea_min_words,
                            threshold=options.idea_threshold, seed=options.seed)
    else:
        units = [IdeaUnit(k, 0, len(t)) for k, t in enumerate(analysable_texts)]
    parts = Counter(u.source for u in units)
    unit_lemmas = [lemmas[analysable[u.source]] if parts[u.source] == 1
                   else normaliser.analyse(analysable_texts[u.source][u.start:u.end])
                   for u in units]
    unit_texts = [analysable_texts[u.source][u.start:u.end] for u in units]
    unit_position = [int(analysable[u.source]) for u in units]  # distinct-text position
    copy_count = np.bincount(duplicates.representative, minlength=n)
    copies = [int(copy_count[distinct[p]]) for p in unit_position]
    theme_result = find_themes(unit_lemmas, unit_texts,
                               n_themes=options.n_themes, seed=options.seed, encoder=encoder,
                               n_quotes=options.n_quotes, progress=say,
                               quote_malus=_quote_malus(units, parts, copies, options),
                               threads=options.threads)
    say("assembling the results")
    # members of each distinct text (its duplicates)
    members_of: dict[int, list[int]] = {}
    for index, rep in enumerate(duplicates.representative):
        members_of.setdefault(int(rep), []).append(index)
    position = {int(d): p for p, d in enumerate(distinct)}

    def expand(distinct_positions: Sequence[int]) -> list[int]:
        out: list[int] = []
        for p in distinct_positions:
            out.extend(members_of[int(distinct[p])])
        return sorted(out)

    unit_theme: dict[int, str] = {}
    unit_subtheme: dict[int, str] = {}

    def quote(unit: int) -> dict:
        index = int(distinct[unit_position[unit]])
        return {"id": ids[index], "text": _short(unit_texts[unit], options.quote_chars),
                "start": units[unit].start, "end": units[unit].end,
                "part": parts[units[unit].source] > 1,
                "copies": len(members_of[index])}

    def theme_dict(theme: Theme, ref: str) -> dict:
        local = sorted({unit_position[m] for m in theme.members})
        everyone = expand(local)
        for m in theme.members:
            (unit_subtheme if "." in ref else unit_theme)[m] = ref
        return {
            "id": ref, "label": theme.label, "terms": theme.terms,
            "count": len(everyone), "distinct_texts": len(local), "ideas": len(theme.members),
            "cohesion": theme.cohesion,
            "quotes": [quote(q) for q in theme.quotes],
            "stance": _count(stance, local, members_of, distinct),
            "typology": _count(typology, local, members_of, distinct),
            "member_ids": [ids[i] for i in everyone],
            "subthemes": [theme_dict(child, f"{ref}.{k + 1}")
                          for k, child in enumerate(theme.children)],
        }

    themes = [theme_dict(t, f"T{k + 1}") for k, t in enumerate(theme_result.themes)]
    # per distinct text: its ideas, and its main theme (that of its longest themed idea)
    ideas_of: dict[int, list[int]] = {}
    for k, p in enumerate(unit_position):
        ideas_of.setdefault(p, []).append(k)
    main_idea = {p: max((k for k in ks if k in unit_theme),
                        key=lambda k: (units[k].end - units[k].start, -k), default=None)
                 for p, ks in ideas_of.items()}
    outlier_ids = expand(sorted(p for p, k in main_idea.items() if k is None))
    spam_ids = expand(np.flatnonzero(spam).tolist())
    foreign_ids = expand(np.flatnonzero(~french).tolist())
    groups = []
    for k, group in enumerate(duplicates.groups):
        rep = group.members[0]
        groups.append({
            "id": f"D{k + 1}", "kind": group.kind, "count": group.size,
            "representative_id": ids[rep],
            "text": _short(contributions[rep].full_text, options.quote_chars),
            "member_ids": [ids[i] for i in group.members],
        })
    rows = []
    for i, c in enumerate(contributions):
        p = position[int(duplicates.representative[i])]
        flags = [f for f, on in (("spam", spam[p]), ("non_french", not french[p])) if on]
        main = main_idea.get(p)
        row_ideas = ideas_of.get(p, [])
        rows.append({
            "id": c.id, "theme": unit_theme.get(main) if main is not None else None,
            "subtheme": unit_subtheme.get(main) if main is not None else None,
            "themes": sorted({unit_theme[k] for k in row_ideas if k in unit_theme},
                             key=lambda ref: int(ref[1:])),
            "ideas": [{"start": units[k].start, "end": units[k].end,
                       "theme": unit_theme.get(k), "subtheme": unit_subtheme.get(k)}
                      for k in row_ideas] if len(row_ideas) > 1 else [],
            "duplicate_of": ids[int(duplicates.representative[i])]
            if int(duplicates.representative[i]) != i else None,
            "typology": typology[p], "stance": stance[p],
            "spam_score": round(float(spam_p[p]), 3), "flags": flags,
        })
    return {
        "format": FORMAT,
        "context": context or {},
        "summary": _summary(contributions, len(distinct)),
        "themes": themes,
        "outliers": {"count": len(outlier_ids), "member_ids": [ids[i] for i in outlier_ids]},
        "duplicates": groups,
        "stance": _count(stance, range(len(distinct)), members_of, distinct),
        "typology": _count(typology, range(len(distinct)), members_of, distinct),
        "flags": {"spam": [ids[i] for i in spam_ids],
                  "non_french": [ids[i] for i in foreign_ids]},
        "contributions": rows,
        "method": {
            "seed": options.seed, "n_themes_requested": options.n_themes,
            "n_themes_chosen": theme_result.k,
            "silhouette_gap_by_k": {str(k): v for k, v in theme_result.scores.items()},
            "duplicate_threshold": options.duplicate_threshold,
            "encoder": type(encoder).__name__ if encoder else "TfidfSvdEncoder",
            "ideas": {"split": options.split_ideas, "units": len(units),
                      "texts_split": sum(1 for v in parts.values() if v > 1),
                      "min_unit_words": options.idea_min_words,
                      "threshold": options.idea_threshold},
            "models": {name: model.notes or model.name for name, model in models.items()},
        },
    }


def _quote_malus(units: Sequence[IdeaUnit], parts: Counter[int], copies: Sequence[int],
                 options: Options) -> list[float]:
    """Relevance lost as a quote: a passage of a split contribution, a campaign text."""
    return [(options.part_quote_malus if parts[u.source] > 1 else 0.0)
            + (options.campaign_quote_malus if n >= options.campaign_copies else 0.0)
            for u, n in zip(units, copies, strict=True)]


def _stances(probabilities: np.ndarray, classes: list[str], mixed: float) -> list[str]:
    column = {c: k for k, c in enumerate(classes)}
    result = []
    for row in probabilities:
        if row[column["for"]] >= mixed and row[column["against"]] >= mixed:
            result.append("mixed")
        else:
            result.append(classes[int(row.argmax())])
    return result


def _count(labels: Sequence[str], positions: Sequence[int] | range,
           members_of: dict[int, list[int]], distinct: np.ndarray) -> dict[str, int]:
    counter: Counter[str] = Counter()
    for p in positions:
        counter[labels[p]] += len(members_of[int(distinct[p])])
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _summary(contributions: Sequence[Contribution], distinct: int) -> dict:
    def tally(values: list[str]) -> dict[str, dict]:
        groups: dict[str, list[str]] = {}
        for value, c in zip(values, contributions, strict=True):
            groups.setdefault(value or "(not given)", []).append(c.id)
        return {k: {"count": len(v), "member_ids": v}
                for k, v in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))}

    dates = sorted(c.date[:10] for c in contributions if c.date)
    return {
        "contributions": len(contributions), "distinct_texts": distinct,
        "authors": len({c.author for c in contributions if c.author}),
        "first_date": dates[0] if dates else None, "last_date": dates[-1] if dates else None,
        "by_channel": tally([c.channel for c in contributions]),
        "by_neighbourhood": tally([c.neighbourhood for c in contributions]),
        "by_question": tally([c.question for c in contributions]),
    }
