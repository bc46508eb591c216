"""Synthetic corpora built from real contributions, for evaluation and speed benchmarks:
templated/edited copies with known duplicate groups, and large mixed corpora."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from parlons.core.analysis.model import Contribution
from parlons.core.analysis.normalise import canonical

PREFIXES = ("", "", "Je signe : ", "Pétition — ", "Bonjour, ", "Madame, Monsieur, ")
SUFFIXES = ("", "", " Cordialement.", " Merci de nous écouter.", " Signé : un habitant.",
            " #collectif")
FILLERS = ("vraiment", "absolument", "aussi", "donc", "enfin", "tous", "ici", "bien")


def edit(text: str, rng: np.random.Generator, max_edits: int = 4) -> str:
    """A templated copy: optional prefix/suffix, case/punctuation noise and a few word edits."""
    words = text.split()
    for _ in range(int(rng.integers(0, max_edits + 1))):
        if len(words) < 4:
            break
        position = int(rng.integers(0, len(words)))
        action = int(rng.integers(0, 3))
        if action == 0:
            del words[position]
        elif action == 1:
            words.insert(position, FILLERS[int(rng.integers(0, len(FILLERS)))])
        else:
            words[position] = FILLERS[int(rng.integers(0, len(FILLERS)))]
    result = " ".join(words)
    if rng.random() < 0.3:
        result = result.upper() if rng.random() < 0.3 else result.lower()
    if rng.random() < 0.3:
        result = result.rstrip(".!") + " !"
    prefix = PREFIXES[int(rng.integers(0, len(PREFIXES)))]
    suffix = SUFFIXES[int(rng.integers(0, len(SUFFIXES)))]
    return f"{prefix}{result}{suffix}"


def distinct_sources(texts: Sequence[str], min_words: int = 8) -> list[str]:
    """Texts with at least ``min_words`` words, one per normalised form."""
    seen: set[str] = set()
    result = []
    for text in texts:
        key = canonical(text)
        if len(key.split()) >= min_words and key not in seen:
            seen.add(key)
            result.append(text)
    return result


def duplicate_benchmark(texts: Sequence[str], n_campaigns: int = 40, max_copies: int = 30,
                        seed: int = 0) -> tuple[list[str], list[int]]:
    """Sources plus edited copies of ``n_campaigns`` of them; returns texts and true groups
    (copies share their source's group; every other source is its own group)."""
    rng = np.random.default_rng(seed)
    sources = distinct_sources(texts)
    chosen = rng.choice(len(sources), size=min(n_campaigns, len(sources)), replace=False)
    out = list(sources)
    groups = list(range(len(sources)))
    for source in chosen:
        for _ in range(int(rng.integers(1, max_copies + 1))):
            out.append(edit(sources[source], rng))
            groups.append(int(source))
    order = rng.permutation(len(out))
    return [out[i] for i in order], [groups[i] for i in order]


def pair_scores(predicted: Sequence[int], truth: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true grouping."""
    def pairs(counts: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter(zip(predicted, truth, strict=True)))
    predicted_pairs, true_pairs = pairs(Counter(predicted)), pairs(Counter(truth))
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return precision, recall


def large_corpus(texts: Sequence[str], n: int, seed: int = 0,
                 campaign_share: float = 0.1) -> list[Contribution]:
    """``n`` French contributions from real texts: a share of campaign copies, the rest
    recombined sentences and fragments of mixed lengths, with channels and neighbourhoods."""
    rng = np.random.default_rng(seed)
    sentences = [s.strip() for t in texts for s in t.replace("!", ".").replace("?", ".").split(".")
                 if len(s.split()) >= 4]
    campaigns = distinct_sources(texts)[:50]
    channels = ("online", "online", "online", "paper", "workshop", "e-mail")
    districts = ("Centre", "Nord", "Sud", "Est", "Ouest", "Gare", "Port", "")
    result = []
    for i in range(n):
        if rng.random() < campaign_share:
            text = edit(campaigns[int(rng.integers(0, len(campaigns)))], rng)
        else:
            k = int(rng.choice((1, 1, 2, 3, 5)))
            picks = rng.integers(0, len(sentences), size=k)
            text = ". ".join(sentences[p] for p in picks) + "."
        result.append(Contribution(
            id=f"s{i}", text=text, channel=channels[int(rng.integers(0, len(channels)))],
            neighbourhood=districts[int(rng.integers(0, len(districts)))]))
    return result


def mixed_contributions(texts: Sequence[str], labels: Sequence[str], share: float = 0.5,
                        max_parts: int = 3, seed: int = 0
                        ) -> tuple[list[str], list[list[tuple[int, int, int]]]]:
    """Contributions that make several points, built from real single answers: a ``share`` of
    the answers is joined, 2 to ``max_parts`` at a time, with answers of *other* labels (one
    space between them); the rest stay alone. Returns the texts and, per text, its parts as
    ``(start, end, source answer index)`` (the known truth for idea splitting)."""
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(len(texts))]
    result: list[str] = []
    parts: list[list[tuple[int, int, int]]] = []
    pool = order[: int(len(order) * share)]
    for index in order[int(len(order) * share):]:
        text = texts[index].strip()
        result.append(text)
        parts.append([(0, len(text), index)])
    while pool:
        group = [pool.pop()]
        wanted = int(rng.integers(2, max_parts + 1))
        for candidate in list(pool):
            if len(group) == wanted:
                break
            if labels[candidate] not in {labels[g] for g in group}:
                group.append(candidate)
                pool.remove(candidate)
        text, spans = "", []
        for index in group:
            piece = texts[index].strip()
            if text:
                text += " "
            spans.append((len(text), len(text) + len(piece), index))
            text += piece
        result.append(text)
        parts.append(spans)
    return result, parts
