"""Export of a component in the Polis format: comments.csv, votes.csv, participants-votes.csv."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict

from parlons.platform.opinions.models import OpinionMap, Statement, Vote
from parlons.platform.spaces.models import Component

VOTE_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
COMMENT_HEADER = ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                  "moderated", "comment-body"]


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def polis_files(component: Component) -> dict[str, str]:
    """The three CSV files, keyed by name. Voter ids are participant ids (pseudonymous)."""
    statements = list(Statement.objects.filter(component=component).order_by("pk"))
    votes = list(Vote.objects.filter(component=component).order_by("updated_at", "pk")
                 .values_list("updated_at", "statement_id", "participant_id", "value"))
    agrees: dict[int, int] = defaultdict(int)
    disagrees: dict[int, int] = defaultdict(int)
    by_participant: dict[int, dict[int, int]] = defaultdict(dict)
    vote_rows: list[list[object]] = [VOTE_HEADER]
    for when, sid, pid, value in votes:
        vote_rows.append([int(when.timestamp()), when.isoformat(), sid, pid, value])
        agrees[sid] += value == 1
        disagrees[sid] += value == -1
        by_participant[pid][sid] = value
    comment_rows: list[list[object]] = [COMMENT_HEADER]
    for st in statements:
        comment_rows.append([int(st.created_at.timestamp()), st.created_at.isoformat(), st.pk,
                             st.author_participant_id or "", agrees[st.pk], disagrees[st.pk],
                             st.polis_moderation, st.text])
    groups = _groups(component)
    wide: list[list[object]] = [["participant", "group-id", "n-comments", "n-votes", "n-agree",
                                 "n-disagree"] + [st.pk for st in statements]]
    authored: dict[int, int] = defaultdict(int)
    for st in statements:
        if st.author_participant_id:
            authored[st.author_participant_id] += 1
    for pid in sorted(by_participant):
        row = by_participant[pid]
        values = list(row.values())
        wide.append([pid, groups.get(pid, ""), authored[pid], len(values), values.count(1),
                     values.count(-1)] + [row.get(st.pk, "") for st in statements])
    return {"comments.csv": _csv(comment_rows), "votes.csv": _csv(vote_rows),
            "participants-votes.csv": _csv(wide)}


def _groups(component: Component) -> dict[int, int]:
    row = OpinionMap.objects.filter(component=component).values_list("result", flat=True).first()
    out: dict[int, int] = {}
    for group in (row or {}).get("groups", []):
        for member in group.get("members", []):
            out[int(member)] = int(group["id"])
    return out


def polis_zip(component: Component) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in polis_files(component).items():
            archive.writestr(name, text)
    return buffer.getvalue()
