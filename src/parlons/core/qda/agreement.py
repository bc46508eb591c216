"""Inter-coder agreement per code, at character level.

For one code and two coders, every character (code point) of the compared documents is a unit
rated 1 when the coder's selections with that code cover it and 0 otherwise. From the 2×2 table we
report observed agreement, Cohen's kappa and Krippendorff's alpha (nominal). A general
Krippendorff's alpha for several coders and missing ratings is also provided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from parlons.core.qda.messages import QdaLookupError
from parlons.core.qda.model import Project


@dataclass
class Agreement:
    code: str
    documents: list[str]
    chars_a: int
    chars_b: int
    chars_both: int
    units: int
    observed: float
    kappa: float
    alpha: float


def _binary_stats(n11: int, n10: int, n01: int, n00: int) -> tuple[float, float, float]:
    """Observed agreement, Cohen's kappa and nominal Krippendorff's alpha of a 2×2 table."""
    n = n11 + n10 + n01 + n00
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    p_o = (n11 + n00) / n
    pa, pb = (n11 + n10) / n, (n11 + n01) / n
    p_e = pa * pb + (1 - pa) * (1 - pb)
    kappa = 1.0 if p_e == 1 else (p_o - p_e) / (1 - p_e)
    # Krippendorff: coincidences of the 2n pairable values
    total = 2 * n
    ones = 2 * n11 + n10 + n01
    zeros = total - ones
    disagree = 2 * (n10 + n01)
    alpha = 1.0 if ones == 0 or zeros == 0 else 1 - (total - 1) * disagree / (2 * ones * zeros)
    return p_o, kappa, alpha


def krippendorff_alpha(ratings: Sequence[Sequence[Hashable | None]]) -> float:
    """Nominal Krippendorff's alpha; ``ratings[coder][unit]``, ``None`` for a missing rating."""
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    n_units = max((len(r) for r in ratings), default=0)
    for unit in range(n_units):
        values = [r[unit] for r in ratings if unit < len(r) and r[unit] is not None]
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidence[(a, b)] += 1 / (m - 1)
    marginals: Counter[Hashable] = Counter()
    for (a, _), w in coincidence.items():
        marginals[a] += w
    n = sum(marginals.values())
    if n <= 1:
        return float("nan")
    observed = sum(w for (a, b), w in coincidence.items() if a != b)
    expected = (n * n - sum(v * v for v in marginals.values())) / (n - 1)
    if expected == 0:
        return 1.0
    return 1 - observed / expected


def _spans(project: Project, coders: set[str]) -> dict[tuple[str, str, str], list[tuple[int, int]]]:
    """(source, code, coder) → selection spans, for the given coders."""
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for selection in project.selections.values():
        for coding in selection.codings:
            who = selection.coder(coding)
            if who in coders:
                key = (selection.source, coding.code, who)
                spans.setdefault(key, []).append((selection.start, selection.end))
    return spans


def _mask(length: int, spans: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for start, end in spans:
        mask[start:end] = True
    return mask


def agreement(
    project: Project,
    coder_a: str,
    coder_b: str,
    *,
    codes: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> list[Agreement]:
    """Per code, character-level agreement between two coders (id, name or GUID).

    ``documents`` (source names or GUIDs) defaults to the sources both coders have coded.
    Codes default to every code either coder used on those documents.
    """
    a, b = project.user_guid(coder_a), project.user_guid(coder_b)
    coded_by: dict[str, set[str]] = {a: set(), b: set()}
    for selection in project.selections.values():
        for coding in selection.codings:
            who = selection.coder(coding)
            if who in coded_by:
                coded_by[who].add(selection.source)
    if documents is None:
        doc_guids = [g for g in project.sources if g in coded_by[a] and g in coded_by[b]]
    else:
        doc_guids = []
        for ref in documents:
            match = [
                g
                for g, s in project.sources.items()
                if ref in (g, s.name) or s.name.split(" ")[0] == ref
            ]
            if not match:
                raise QdaLookupError("no document {ref!r}", ref=ref)
            doc_guids.extend(match)
    if codes is None:
        docs = set(doc_guids)
        used = {
            c.code
            for sel in project.selections.values()
            if sel.source in docs
            for c in sel.codings
            if sel.coder(c) in (a, b)
        }
        code_guids = [g for g in project.codes if g in used]
    else:
        code_guids = [g if g in project.codes else project.code_by_path(g).guid for g in codes]
    spans = _spans(project, {a, b})
    results = []
    for code in code_guids:
        n11 = n10 = n01 = n00 = 0
        for source in doc_guids:
            length = len(project.sources[source].text)
            ma = _mask(length, spans.get((source, code, a), []))
            mb = _mask(length, spans.get((source, code, b), []))
            n11 += int(np.count_nonzero(ma & mb))
            n10 += int(np.count_nonzero(ma & ~mb))
            n01 += int(np.count_nonzero(~ma & mb))
            n00 += int(np.count_nonzero(~ma & ~mb))
        p_o, kappa, alpha = _binary_stats(n11, n10, n01, n00)
        results.append(
            Agreement(
                project.code_path(code),
                [project.sources[g].name for g in doc_guids],
                n11 + n10,
                n11 + n01,
                n11,
                n11 + n10 + n01 + n00,
                p_o,
                kappa,
                alpha,
            )
        )
    return results
