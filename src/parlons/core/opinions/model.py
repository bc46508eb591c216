"""Data model of an opinion conversation: statements and the latest vote of each participant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

AGREE, DISAGREE, PASS = 1, -1, 0
VOTE_NAMES = {AGREE: "agree", DISAGREE: "disagree", PASS: "pass"}
MODERATED_OUT, UNMODERATED, MODERATED_IN = -1, 0, 1


class OpinionsDataError(ValueError):
    """Input data that cannot be analysed (bad file, bad vote value, inconsistent ids)."""


@dataclass
class Conversation:
    """Statements and votes, one vote per (participant, statement): the latest one.

    Votes are stored as three parallel arrays of codes: ``vote_participant`` indexes
    ``participant_ids``, ``vote_statement`` indexes ``statement_ids`` and ``vote_value`` is
    1 (agree), -1 (disagree) or 0 (pass).  Statement metadata arrays are aligned with
    ``statement_ids``.
    """

    participant_ids: np.ndarray
    statement_ids: np.ndarray
    vote_participant: np.ndarray
    vote_statement: np.ndarray
    vote_value: np.ndarray
    statement_texts: list[str] = field(default_factory=list)
    moderation: np.ndarray | None = None
    is_meta: np.ndarray | None = None
    reference_groups: np.ndarray | None = None
    title: str = ""

    def __post_init__(self) -> None:
        m = len(self.statement_ids)
        if not self.statement_texts:
            self.statement_texts = [""] * m
        if self.moderation is None:
            self.moderation = np.zeros(m, dtype=np.int8)
        if self.is_meta is None:
            self.is_meta = np.zeros(m, dtype=bool)
        self.vote_participant = np.asarray(self.vote_participant, dtype=np.int64)
        self.vote_statement = np.asarray(self.vote_statement, dtype=np.int64)
        self.vote_value = np.asarray(self.vote_value, dtype=np.int8)
        if not (len(self.vote_participant) == len(self.vote_statement) == len(self.vote_value)):
            raise OpinionsDataError("vote arrays have different lengths")
        if len(self.statement_texts) != m or len(self.moderation) != m or len(self.is_meta) != m:
            raise OpinionsDataError("statement metadata does not match the statement ids")
        if len(self.vote_value):
            if not np.isin(self.vote_value, (-1, 0, 1)).all():
                raise OpinionsDataError("votes must be 1 (agree), -1 (disagree) or 0 (pass)")
            for codes, size, what in ((self.vote_participant, len(self.participant_ids),
                                       "participant"),
                                      (self.vote_statement, m, "statement")):
                if codes.min() < 0 or codes.max() >= size:
                    raise OpinionsDataError(f"vote {what} index out of range")

    @property
    def n_participants(self) -> int:
        return len(self.participant_ids)

    @property
    def n_statements(self) -> int:
        return len(self.statement_ids)

    @property
    def n_votes(self) -> int:
        return len(self.vote_value)

    @classmethod
    def from_events(
        cls,
        participants: Sequence[object] | np.ndarray,
        statements: Sequence[object] | np.ndarray,
        values: Sequence[int] | np.ndarray,
        times: Sequence[float] | np.ndarray | None = None,
        *,
        statement_ids: Sequence[object] | np.ndarray | None = None,
        statement_texts: Sequence[str] | None = None,
        moderation: Sequence[int] | np.ndarray | None = None,
        is_meta: Sequence[bool] | np.ndarray | None = None,
        title: str = "",
    ) -> Conversation:
        """Build a conversation from vote events; for each (participant, statement) the
        event with the latest time wins (the last one in input order on equal times).

        ``statement_ids`` (with texts, moderation and meta flags aligned to it) lists the
        known statements; statements seen only in votes are appended.
        """
        values = np.asarray(values)
        if values.size and not np.isin(values, (-1, 0, 1)).all():
            raise OpinionsDataError("votes must be 1 (agree), -1 (disagree) or 0 (pass)")
        p_ids, p_codes = np.unique(np.asarray(participants), return_inverse=True)
        known = list(statement_ids) if statement_ids is not None else []
        index = {sid: i for i, sid in enumerate(known)}
        if len(index) != len(known):
            raise OpinionsDataError("duplicate statement ids")
        raw_s = np.asarray(statements)
        u_s, s_inv = np.unique(raw_s, return_inverse=True)
        extra = [s for s in u_s.tolist() if s not in index]
        for s in extra:
            index[s] = len(index)
        mapping = np.array([index[s] for s in u_s.tolist()], dtype=np.int64)
        s_codes = mapping[s_inv] if len(raw_s) else np.zeros(0, dtype=np.int64)
        m = len(index)
        texts = list(statement_texts) if statement_texts is not None else [""] * len(known)
        texts += [""] * len(extra)
        mod = np.zeros(m, dtype=np.int8)
        if moderation is not None:
            mod[: len(known)] = np.asarray(moderation, dtype=np.int8)
        meta = np.zeros(m, dtype=bool)
        if is_meta is not None:
            meta[: len(known)] = np.asarray(is_meta, dtype=bool)
        pc, sc, vv = latest_votes(p_codes, s_codes, values, times, m)
        all_ids = known + extra
        sid_array = np.array(all_ids) if all_ids else np.zeros(0, dtype=np.int64)
        return cls(p_ids, sid_array, pc, sc, vv, texts, mod, meta, title=title)


def latest_votes(
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    times: Sequence[float] | np.ndarray | None,
    n_statements: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep one vote per (participant, statement): the latest by time, then by input order."""
    participants = np.asarray(participants, dtype=np.int64)
    statements = np.asarray(statements, dtype=np.int64)
    values = np.asarray(values, dtype=np.int8)
    key = participants * max(n_statements, 1) + statements
    if times is None:
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((np.arange(len(key)), np.asarray(times, dtype=np.float64), key))
    key_sorted = key[order]
    last = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        last[:-1] = key_sorted[1:] != key_sorted[:-1]
    keep = order[last]
    return participants[keep], statements[keep], values[keep]
