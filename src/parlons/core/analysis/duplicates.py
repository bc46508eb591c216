"""Exact and near-identical contributions (copy-paste petitions, templates with small edits).

1. Exact: texts equal once accents, case, punctuation and masked personal data are ignored.
2. Near: MinHash signatures of word 2-shingles (accent-folded words, stop words kept), LSH banding
   for candidate pairs, pairs kept when their exact Jaccard similarity reaches ``threshold``;
   groups are the connected components. Deterministic given ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from parlons.core.analysis.normalise import canonical


@dataclass(frozen=True)
class DuplicateGroup:
    """Contributions (indices into the input) that reproduce one text."""

    members: tuple[int, ...]  # sorted; members[0] is the representative
    kind: str  # "exact" (all identical after normalisation) or "near"

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Duplicates:
    """Duplicate groups (size ≥ 2, largest first) and each text's representative index."""

    groups: list[DuplicateGroup]
    representative: np.ndarray  # representative[i] = index of the text that stands for i

    def distinct(self) -> np.ndarray:
        """Sorted indices of the texts kept once duplicates are collapsed."""
        return np.unique(self.representative)


def find_duplicates(texts: Sequence[str], threshold: float = 0.5, shingle: int = 2,
                    num_perm: int = 64, bands: int = 32, min_shingles: int = 3,
                    seed: int = 0) -> Duplicates:
    """Group exact and near-identical ``texts``; see the module docstring."""
    n = len(texts)
    keys = [canonical(t) for t in texts]
    first: dict[str, int] = {}
    exact_rep = np.empty(n, dtype=np.int64)
    for i, key in enumerate(keys):
        exact_rep[i] = first.setdefault(key, i)
    uniques = np.array(sorted(first.values()), dtype=np.int64)
    near_rep = _near_groups([keys[i] for i in uniques], threshold, shingle, num_perm, bands,
                            min_shingles, seed)
    # map: unique position → representative unique position → original index
    rep_of_unique = uniques[near_rep]
    position = np.empty(n, dtype=np.int64)
    position[uniques] = np.arange(len(uniques))
    representative = rep_of_unique[position[exact_rep]]
    order = np.argsort(representative, kind="stable")
    sorted_reps = representative[order]
    bounds = np.flatnonzero(np.diff(sorted_reps)) + 1
    groups = []
    for chunk in np.split(order, bounds):
        if len(chunk) < 2:
            continue
        members = tuple(int(i) for i in np.sort(chunk))
        kind = "exact" if len({keys[i] for i in members}) == 1 else "near"
        groups.append(DuplicateGroup(members, kind))
    groups.sort(key=lambda g: (-g.size, g.members[0]))
    return Duplicates(groups, representative)


def _near_groups(keys: list[str], threshold: float, shingle: int, num_perm: int, bands: int,
                 min_shingles: int, seed: int) -> np.ndarray:
    """For each distinct text, the smallest index of its near-duplicate component."""
    m = len(keys)
    identity = np.arange(m, dtype=np.int64)
    if m < 2:
        return identity
    matrix = _shingle_matrix(keys, shingle)
    counts = np.diff(matrix.indptr)
    rows = np.flatnonzero(counts >= min_shingles)
    if len(rows) < 2:
        return identity
    matrix = matrix[rows]
    signatures = minhash(matrix.indptr, matrix.indices.astype(np.uint64), num_perm, seed)
    pairs_i, pairs_j = _candidate_pairs(signatures, bands)
    if len(pairs_i):
        keep = _jaccard(matrix, counts[rows], pairs_i, pairs_j) >= threshold
        pairs_i, pairs_j = pairs_i[keep], pairs_j[keep]
    graph = coo_matrix((np.ones(len(pairs_i), dtype=np.int8), (pairs_i, pairs_j)),
                       shape=(len(rows), len(rows)))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, rows)
    result = identity.copy()
    result[rows] = smallest[labels]
    return result


def _shingle_matrix(keys: list[str], shingle: int) -> sparse.csr_matrix:
    """Binary text × word-shingle matrix (shingles of ``shingle`` consecutive words)."""
    vocabulary: dict[str, int] = {}
    lookup = vocabulary.setdefault
    ids = [lookup(word, len(vocabulary)) for key in keys for word in key.split()]
    lengths = np.fromiter((key.count(" ") + 1 if key else 0 for key in keys), dtype=np.int64,
                          count=len(keys))
    words = np.asarray(ids, dtype=np.uint64)
    row_of_word = np.repeat(np.arange(len(keys)), lengths)
    size = np.uint64(max(len(vocabulary), 1))
    if len(words) < shingle:
        return sparse.csr_matrix((len(keys), 1), dtype=np.uint8)
    codes = words[: len(words) - shingle + 1].copy()
    for offset in range(1, shingle):
        codes = codes * size + words[offset: len(words) - shingle + 1 + offset]
    rows = row_of_word[: len(words) - shingle + 1]
    valid = rows == row_of_word[shingle - 1:]  # the shingle does not cross two texts
    codes, rows = codes[valid], rows[valid]
    columns_of, columns = np.unique(codes, return_inverse=True)
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.uint8), (rows, columns)),
                               shape=(len(keys), len(columns_of)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def _jaccard(matrix, sizes: np.ndarray, pairs_i: np.ndarray, pairs_j: np.ndarray,
             chunk: int = 200_000) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of each candidate pair."""
    out = np.empty(len(pairs_i), dtype=np.float64)
    binary = matrix.astype(np.float32)
    for start in range(0, len(pairs_i), chunk):
        i, j = pairs_i[start:start + chunk], pairs_j[start:start + chunk]
        inter = np.asarray(binary[i].multiply(binary[j]).sum(axis=1)).ravel()
        out[start:start + chunk] = inter / (sizes[i] + sizes[j] - inter)
    return out


def minhash(indptr: np.ndarray, indices: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures (rows × num_perm, uint64) of the sets given in CSR form (no empty row).

    Each hash function is a seeded 64-bit mixer (xor with a random key, multiply, xor-shift) of
    the splitmix64-scrambled element ids, so structured ids (consecutive vocabulary indices)
    give unbiased estimates.
    """
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**63 - 1, size=num_perm, dtype=np.uint64)
    mixed = _splitmix64(indices.astype(np.uint64))
    starts = indptr[:-1]
    multiplier = np.uint64(0xD6E8FEB86659FD93)
    out = np.empty((len(starts), num_perm), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(num_perm):
            hashed = (mixed ^ keys[k]) * multiplier
            hashed ^= hashed >> np.uint64(32)
            out[:, k] = np.minimum.reduceat(hashed, starts)
    return out


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _candidate_pairs(signatures: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows sharing one band of their signature (star + chain within each bucket)."""
    n, num_perm = signatures.shape
    width = num_perm // bands
    mixers = (np.arange(1, width + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | 1
    all_i, all_j = [], []
    for band in range(bands):
        block = signatures[:, band * width:(band + 1) * width]
        with np.errstate(over="ignore"):
            keys = (block * mixers).sum(axis=1)  # wraps modulo 2**64
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
        if not same.any():
            continue
        # chain: consecutive members of a bucket
        all_i.append(order[:-1][same])
        all_j.append(order[1:][same])
        # star: every member with the bucket's first member
        starts = np.r_[True, ~same]
        head = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
        link = head != order
        all_i.append(head[link])
        all_j.append(order[link])
    if not all_i:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    pairs = np.unique(np.stack([np.concatenate(all_i), np.concatenate(all_j)]), axis=1)
    return pairs[0], pairs[1]
