"""Who supports what, as NumPy arrays, straight from the vote texts of a file.

A profile read from a Pabulib file keeps the distinct texts of its ``vote`` column until
something needs its ballots (:meth:`Profile.pending_texts`). When those texts are clean
(ASCII, comma-separated project ids of the instance, no blank, each project once), this
module tokenises every text at once in NumPy, with no Python object per project named: that
is where the reading of large approval files spent its time (Amsterdam: 10,000 ballots
naming 18 projects each, nearly all different; Warszawa 2026: 55,000 texts). Texts listing
their projects in increasing order (as the model sorts them) are distinct ballots as they
stand; otherwise each text's projects are sorted and equal sets merged, found by a hash of
the set and then compared whole. Ordinal ballots keep their order: each text is a ballot.
Anything else returns ``None`` and the caller takes the general path, which splits and
merges the texts in Python.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from parlons.core.budgeting.model import Instance, Profile

#: the longest project id this path compares, in bytes (longer ones: general path)
_MAX_ID = 32
#: the bytes of a word kept by each length, 0 to 8 (big-endian: the first ones)
_KEEP = np.array([0] + [((1 << (8 * n)) - 1) << (8 * (8 - n)) for n in range(1, 9)],
                 dtype=np.uint64)
#: the most ids looked up through a table (its size grows as their square)
_MAX_SLOTTED = 1024
#: odd multipliers mixing the words of a long id into one 64-bit key
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93], dtype=np.uint64)


def supporters_arrays(instance: Instance, profile: Profile) -> list[np.ndarray] | None:
    """For each project of ``instance`` (in its order), the increasing indexes of the
    distinct ballots (of ``profile.ballots``) that name it; ``None`` when the profile has
    no pending texts or they are not clean (see the module's docstring). On success the
    profile records how its texts merge into ballots (:meth:`Profile.set_text_ballots`)."""
    pending = profile.pending_texts()
    if pending is None or not instance.projects:
        return None
    texts, counts = pending
    ids = list(instance.projects)
    found = _tokens(texts, ids)
    if found is None:
        return None
    rows, rank, by_name, trimmed = found
    merged = _ballots(rows, rank, len(ids), counts, profile.vote_type == "ordinal", trimmed)
    if merged is None:
        return None
    ballot_rows, ballot_rank, ballot_of, multiplicities = merged
    profile.set_text_ballots(ballot_of, multiplicities)
    projects = by_name[ballot_rank]
    small = projects.astype(np.int16 if len(ids) < 2**15 else np.int64)
    order = np.argsort(small, kind="stable")  # by project, then ballot (radix sort)
    per_project = np.bincount(projects, minlength=len(ids))
    return np.split(ballot_rows[order], np.cumsum(per_project)[:-1])


def _ballots(rows: np.ndarray, rank: np.ndarray, width: int, counts: list[int],
             ordered: bool, trimmed: bool) -> tuple[np.ndarray, np.ndarray, list[int] | None,
                                                    list[int]] | None:
    """The distinct ballots of the texts' tokens (row, rank of the project's id among the
    ids): each ballot's tokens (ballot index, rank; increasing ballots), each text's ballot
    (``None``: its own) and each ballot's multiplicity; ``None`` when a text names a project
    twice. ``trimmed``: some texts lost a CR, so two distinct texts may read the same."""
    same_row = rows[1:] == rows[:-1]
    if ordered:  # the order stays, so distinct texts are distinct ballots (unless trimmed)
        key = np.sort(rows * width + rank)
        if (key[1:] == key[:-1]).any():
            return None
        return _merge(rows, rank, len(counts), counts) if trimmed else (rows, rank, None,
                                                                         list(counts))
    if (same_row & (rank[1:] < rank[:-1])).any():  # some text is not in order: sort each
        key = np.sort(rows * width + rank)
        rows, rank = key // width, key % width
        same_row = rows[1:] == rows[:-1]
        if (same_row & (rank[1:] == rank[:-1])).any():
            return None
        return _merge(rows, rank, len(counts), counts)
    if (same_row & (rank[1:] == rank[:-1])).any():
        return None
    if trimmed:
        return _merge(rows, rank, len(counts), counts)
    return rows, rank, None, list(counts)  # strictly increasing: distinct sets


def _merge(rows: np.ndarray, rank: np.ndarray, count: int,
           counts: list[int]) -> tuple[np.ndarray, np.ndarray, list[int], list[int]] | None:
    """Merge the texts that name the same set (tokens sorted in each row): rows are grouped
    by a hash of their set, then each is compared whole with the first of its group;
    ``None`` on a collision (two sets, one hash)."""
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=indptr[1:])
    lengths = np.diff(indptr)
    weights = np.concatenate(([np.uint64(0)], np.cumsum(_mixed(rank), dtype=np.uint64)))
    hashed = (weights[indptr[1:]] - weights[indptr[:-1]]) ^ _mixed(lengths)
    _, first, group = np.unique(hashed, return_index=True, return_inverse=True)
    group = group.ravel()
    same = first[group]  # the first row with each row's hash
    if (lengths[same] != lengths).any():
        return None
    offset = np.arange(len(rank)) - indptr[rows]
    if (rank[indptr[same[rows]] + offset] != rank).any():
        return None
    number = np.empty(len(first), dtype=np.int64)  # ballots in order of their first text
    number[np.argsort(first)] = np.arange(len(first))
    ballot_of = number[group]
    multiplicities = np.bincount(ballot_of, weights=np.asarray(counts, dtype=np.float64))
    kept = same[rows] == rows  # the tokens of each ballot's first text
    return (ballot_of[rows[kept]], rank[kept], ballot_of.tolist(),
            multiplicities.astype(np.int64).tolist())


def _mixed(values: np.ndarray) -> np.ndarray:
    """A 64-bit mix of each value (SplitMix64's finaliser): sums of them hash sets."""
    z = (values.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _tokens(texts: list[bytes], ids: list[str]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool] | None:
    """The row (text index) and rank (among the ids sorted as text) of each project named
    by the texts, row by row, the ids' indexes in that sorted order and whether some texts
    lost a CR (see :func:`_rows`); ``None`` when the texts are not clean."""
    if not texts:
        return None
    blob, end, trimmed = _rows(texts)
    if blob is None or not blob.isascii():
        return None
    data = np.frombuffer(blob, dtype=np.uint8)
    if ((data <= 32) & (data != end)).any():  # blanks (stripped by the general path), NUL
        return None
    ends = np.flatnonzero((data == 44) | (data == end))  # the separator after each token
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    lengths = ends - starts
    row_end = data[ends] == end
    rows = np.cumsum(row_end) - row_end
    empty = lengths == 0
    if empty.any():  # only an empty text (no project) may give an empty token
        alone = row_end & np.concatenate(([True], row_end[:-1]))
        if (empty & ~alone).any():
            return None
        keep = ~empty
        starts, lengths, rows = starts[keep], lengths[keep], rows[keep]
    if len(lengths) == 0:  # every text empty
        return rows, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), trimmed
    if int(lengths.max()) > _MAX_ID:
        return None
    encoded = [p.encode("utf-8") for p in ids]
    if any(len(e) > _MAX_ID or b"\0" in e for e in encoded):
        return None
    sizes = np.array([len(e) for e in encoded])
    count = max(1, -(-max(int(lengths.max()), int(sizes.max())) // 8))  # words per name
    names = _words(data, starts, lengths, count)
    known = _words(np.frombuffer(b"".join(encoded), dtype=np.uint8),
                   np.cumsum(sizes) - sizes, sizes, count)
    by_name = np.lexsort(known.T[::-1])  # byte order: code point order, as str sorts
    ranked = known[by_name]
    rank = _search(ranked, names)
    if rank is None:
        return None  # a name that is no project id of the instance
    return rows, rank, by_name, trimmed


def _rows(texts: list[bytes]) -> tuple[bytes | None, int, bool]:
    """The texts as one string, each ended by one line break (LF, or the CR of a CRLF line
    break that a last column kept: then the texts are joined as they are), that line break,
    and whether some texts lost their CR (a CRLF file whose last line has no line break:
    ``1,2\r`` and ``1,2`` then read the same); ``None`` when a CR stands elsewhere."""
    if texts[-1].endswith(b"\r") or texts[0].endswith(b"\r"):
        blob = b"".join(texts)
        if blob.count(b"\r") == len(texts) and b"\n" not in blob and blob.endswith(b"\r"):
            ok = all(map(bytes.endswith, texts, repeat(b"\r")))  # (not in the middle)
            return (blob, 13, False) if ok else (None, 13, False)
    blob = b"\n".join(texts) + b"\n"
    if b"\r" not in blob:
        return blob, 10, False
    blob = blob.replace(b"\r\n", b"\n")
    return (None, 10, False) if b"\r" in blob else (blob, 10, True)


def _words(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
           count: int) -> np.ndarray:
    """Each string ``data[start:start + length]`` as a row of ``count`` big-endian 64-bit
    words, zero-padded: rows compare (lexicographically) as the strings do, having no NUL."""
    padded = np.concatenate((data, np.zeros(8 * count, dtype=np.uint8)))
    # the 8 bytes from each offset, as one big-endian number (overlapping, unaligned)
    at = np.ndarray((len(padded) - 7,), dtype=">u8", buffer=padded, strides=(1,))
    words = np.empty((len(starts), count), dtype=np.uint64)
    for j in range(count):
        word = at[starts + 8 * j].astype(np.uint64)
        words[:, j] = word & _KEEP[np.clip(lengths - 8 * j, 0, 8)]
    return words


def _search(ranked: np.ndarray, names: np.ndarray) -> np.ndarray | None:
    """The index of the row of ``ranked`` (distinct rows) equal to each row of ``names``, or
    ``None`` when some name is not there (or, for ids longer than 8 bytes, two ids share a
    hash: then the general path decides). The rows are found by one 64-bit value each (the
    word itself, or a hash of the words), through a table indexed by that value modulo a
    number that sets the ids apart, and then compared whole."""
    if ranked.shape[1] == 1:
        ranked_keys, name_keys = ranked[:, 0], names[:, 0]
    else:
        mix = _MIX[:ranked.shape[1]]
        ranked_keys, name_keys = ranked @ mix, names @ mix  # wraps modulo 2**64
    slots = _slots(ranked_keys)
    if slots is not None:  # one remainder and one look-up per name
        modulus, table = slots
        rank = table[name_keys % modulus]
    else:  # many ids: a binary search per name
        by_key = np.argsort(ranked_keys)
        at = np.searchsorted(ranked_keys[by_key], name_keys)
        rank = by_key[np.minimum(at, len(by_key) - 1)]
    if not (ranked[rank] == names).all():
        return None
    return rank


def _slots(keys: np.ndarray) -> tuple[np.uint64, np.ndarray] | None:
    """A modulus under which the ``keys`` have distinct remainders and the table from
    remainder to key index (``0`` in the empty slots: the caller compares the rows found),
    or ``None`` (many keys, or equal ones). Moduli from ``len(keys)**2`` up are tried 256 at
    a time: each sets random keys apart with a probability of about 0.6."""
    if len(keys) > _MAX_SLOTTED:
        return None
    start = max(16, len(keys) ** 2) | 1
    moduli = np.arange(start, start + 512, 2, dtype=np.uint64)  # odd ones
    remainders = np.sort(keys[None, :] % moduli[:, None], axis=1)
    apart = ~(remainders[:, 1:] == remainders[:, :-1]).any(axis=1)
    if not apart.any():
        return None
    modulus = moduli[int(np.argmax(apart))]
    table = np.zeros(int(modulus), dtype=np.int64)
    table[(keys % modulus).astype(np.int64)] = np.arange(len(keys))
    return modulus, table
