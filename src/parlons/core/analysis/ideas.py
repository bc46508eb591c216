"""Idea units: a long contribution that makes several points is cut into sentences, and
consecutive sentences on the same topic are grouped back into one unit; themes are then found
on the units, so a contribution can count in several themes.

Every unit keeps the index of its text and the half-open character offsets ``[start, end)``
of its passage in that text, so a quote always points back to its contribution.
Deterministic given ``seed`` (the LSA projection of the sentences).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from parlons.core.analysis.normalise import fold
from parlons.core.analysis.stopwords import STOP_WORDS_FR
from parlons.core.analysis.themes import TfidfSvdEncoder

# Words ending with a period that do not end a sentence (folded to lower case).
_ABBREVIATIONS = ("m mm mme mmes mlle dr pr me st ste av bd bld ch cf etc ex env art al vol p "
                  "pp n no nos tel fig min max approx hab km kg mr ms jr sr ed eds vs ca coll "
                  "dir éd")
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
# Candidate sentence ends: terminal punctuation (with closing quotes/brackets) then space,
# a line break, or a list marker (-, –, •, *) after a space.
_END_RE = re.compile(r"[.!?…]+(?:\s?[\"»”’)\]])*\s+|\s*\n\s*|\s+(?=[-–•*·]\s*\w)")
_WORD_BEFORE_RE = re.compile(r"(\w+)[.]+$")
# No punctuation, but a lower-case word then a capitalised French function word ("... les
# enfants Il faut ..."): citizens often omit the final period. Proper nouns are not stop words.
_UNPUNCTUATED_RE = re.compile(r"(?<=[a-zà-ÿ]) +(?=[A-ZÀ-Ý][a-zà-ÿ']*\b)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` offsets of the sentences of ``text`` (whitespace trimmed).

    Splits after ``. ! ? …`` followed by a space (not after an abbreviation such as ``M.``
    or ``etc.``, an initial, or an ellipsis followed by a lower-case word), at line breaks,
    and before list markers (``- `` ``• `` ``* ``) when the text holds at least two of them.
    """
    markers = len(re.findall(r"(?:^|\s)[-–•*·]\s*\w", text))
    cuts = [(m.start(), m.end()) for m in _UNPUNCTUATED_RE.finditer(text)
            if _capitalised_function_word(text, m.end())]
    for match in _END_RE.finditer(text):
        piece = match.group()
        end = match.end()
        if not piece.strip():  # space before a list marker, or a bare line break
            if "\n" not in piece and markers < 2:
                continue
        elif piece.lstrip()[0] in ".…":
            before = _WORD_BEFORE_RE.search(text[max(0, match.start() - 12): match.start() + 1])
            word = before.group(1).lower() if before else ""
            if piece.startswith(".") and not piece.startswith("..") and (
                    word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
                continue
            following = text[end:end + 1]
            if piece.startswith(("..", "…")) and following.islower():
                continue
        cuts.append((match.start() + len(piece.rstrip()), end))
    spans = []
    start = 0
    for stop, resume in sorted(cuts):
        spans.append((start, stop))
        start = resume
    spans.append((start, len(text)))
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _capitalised_function_word(text: str, start: int) -> bool:
    match = re.match(r"[^\W\d_]+", text[start:start + 20])
    return bool(match) and fold(match.group()) in STOP_WORDS_FR


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class IdeaUnit:
    """A passage ``text[start:end]`` of the text at position ``source``."""

    source: int
    start: int
    end: int


def split_ideas(texts: Sequence[str], analyse: Callable[[str], str], *,
                min_unit_words: int = 12, threshold: float = 0.15,
                seed: int = 0) -> list[IdeaUnit]:
    """Idea units of every text, in order (a text that is not split is one unit).

    ``analyse`` turns a passage into space-separated lemmas (``FrenchNormaliser.analyse``).
    A text of at least ``2 × min_unit_words`` words is cut into sentences; sentences of fewer
    than 4 words join a neighbour; then, left to right, a new unit starts where the cosine
    similarity (in an LSA space fitted on all the sentences of the corpus) between the current
    unit and the next two sentences falls below ``threshold``, provided both sides keep at
    least ``min_unit_words`` words.
    """
    units: list[IdeaUnit] = []
    candidates: list[tuple[int, list[tuple[int, int]]]] = []
    for index, text in enumerate(texts):
        spans = sentence_spans(text) if len(text.split()) >= 2 * min_unit_words else []
        spans = _merge_short(text, spans)
        if len(spans) >= 2:
            candidates.append((index, spans))
    if not candidates:
        return [IdeaUnit(i, *_trim(t, 0, len(t))) for i, t in enumerate(texts)]
    sentences = [analyse(texts[i][a:b]) for i, spans in candidates for a, b in spans]
    vectors = TfidfSvdEncoder(seed=seed).encode(sentences, sentences)
    cut: dict[int, list[tuple[int, int]]] = {}
    offset = 0
    for index, spans in candidates:
        cut[index] = _group(texts[index], spans, vectors[offset: offset + len(spans)],
                            min_unit_words, threshold)
        offset += len(spans)
    for index, text in enumerate(texts):
        for start, end in cut.get(index) or [_trim(text, 0, len(text))]:
            units.append(IdeaUnit(index, start, end))
    return units


def _words(text: str, span: tuple[int, int]) -> int:
    return len(text[span[0]:span[1]].split())


def _merge_short(text: str, spans: list[tuple[int, int]], min_words: int = 4
                 ) -> list[tuple[int, int]]:
    """Join sentences of fewer than ``min_words`` words (list numbers, "Merci.") to the next
    sentence, or to the previous one at the end."""
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in spans:
        start = start if pending is None else pending
        if _words(text, (start, end)) < min_words:
            pending = start
            continue
        pending = None
        merged.append((start, end))
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], spans[-1][1])
        else:
            merged.append((pending, spans[-1][1]))
    return merged


def _group(text: str, spans: list[tuple[int, int]], vectors: np.ndarray, min_words: int,
           threshold: float) -> list[tuple[int, int]]:
    words = [_words(text, s) for s in spans]
    remaining = sum(words)
    groups: list[tuple[int, int]] = []
    first = 0
    current = vectors[0].copy()
    current_words = words[0]
    remaining -= words[0]
    for s in range(1, len(spans)):
        ahead = vectors[s] + (vectors[s + 1] if s + 1 < len(spans) else 0)
        norms = np.linalg.norm(current) * np.linalg.norm(ahead)
        similarity = float(current @ ahead / norms) if norms > 0 else 1.0
        if similarity < threshold and current_words >= min_words and remaining >= min_words:
            groups.append((spans[first][0], spans[s - 1][1]))
            first, current, current_words = s, vectors[s].copy(), 0
        else:
            current = current + vectors[s]
        current_words += words[s]
        remaining -= words[s]
    groups.append((spans[first][0], spans[-1][1]))
    return groups
