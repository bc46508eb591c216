"""Plain-data (JSON) and text-table views of an :class:`Analysis`."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from parlons.core.opinions.pipeline import Analysis


def group_name(g: int) -> str:
    """Polis-style group names: A, B, C, ..."""
    letters = string.ascii_uppercase
    return letters[g] if g < len(letters) else f"G{g + 1}"


def _ids(values: np.ndarray) -> list[Any]:
    return [v.item() if hasattr(v, "item") else v for v in values]


def _statement(a: Analysis, entry: dict[str, Any]) -> dict[str, Any]:
    j = int(entry["statement"])
    out = dict(entry)
    out["statement"] = _ids(a.conversation.statement_ids[j:j + 1])[0]
    out["text"] = a.conversation.statement_texts[j]
    return out


def to_dict(a: Analysis, *, members: bool = True) -> dict[str, Any]:
    """JSON-ready summary: groups (with members), statements per group, consensus, divisive."""
    conv = a.conversation
    pids = _ids(conv.participant_ids)
    groups = []
    for g in range(a.n_groups):
        idx = np.flatnonzero(a.groups == g)
        item: dict[str, Any] = {
            "id": g, "name": group_name(g), "size": len(idx),
            "centre": [float(x) for x in a.group_centres[g]],
            "representative": [_statement(a, e) for e in a.representative[g]],
            "subgroups": sorted({int(s) for s in a.subgroups[idx] if s >= 0}),
        }
        if members:
            item["members"] = [pids[i] for i in idx]
        groups.append(item)
    sids = _ids(conv.statement_ids)
    active = np.flatnonzero(conv.moderation != -1)  # type: ignore[operator]
    by_priority = active[np.lexsort((active, -a.priority[active]))]
    return {
        "title": conv.title,
        "participants": conv.n_participants,
        "participants_in_groups": int(a.in_conv.sum()),
        "statements": conv.n_statements,
        "votes": conv.n_votes,
        "seed": a.settings.seed,
        "k": a.n_groups,
        "best_k": a.best_k,
        "silhouettes": {str(k): v for k, v in sorted(a.silhouettes.items())},
        "explained_variance": [float(x) for x in a.projection.explained_variance],
        "groups": groups,
        "consensus": {d: [_statement(a, e) for e in lst] for d, lst in a.consensus.items()},
        "group_informed_consensus": [_statement(a, e) for e in a.group_informed_consensus()],
        "divisive": [
            dict(_statement(a, e), most_agree_group=group_name(e["most_agree_group"]),
                 least_agree_group=group_name(e["least_agree_group"]))
            for e in a.divisive
        ],
        "next_statements": [{"statement": sids[j], "priority": float(a.priority[j])}
                            for j in by_priority[:10]],
        "participant_coordinates": None if not members else {
            str(pids[i]): [round(float(x), 6) for x in a.projection.participants[i]]
            for i in range(conv.n_participants)},
        "state": a.state.to_dict(),
    }


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(a: Analysis) -> str:
    """Human-readable text report."""
    conv = a.conversation
    sids = _ids(conv.statement_ids)
    lines = [
        f"{conv.title or 'Conversation'}: {conv.n_participants} participants "
        f"({int(a.in_conv.sum())} in groups), {conv.n_statements} statements, "
        f"{conv.n_votes} votes",
        f"{a.n_groups} opinion groups (silhouette by k: "
        + ", ".join(f"{k}={v:.3f}" for k, v in sorted(a.silhouettes.items())) + ")",
        "",
    ]

    def row(j: int, tag: str, p: float, pattern: str = "{:>5.0%}") -> str:
        value = pattern.format(p)
        return f"  {tag:<9} {value}  #{sids[j]:<6} {_short(conv.statement_texts[j])}"

    for g in range(a.n_groups):
        size = int((a.groups == g).sum())
        lines.append(f"Group {group_name(g)}: {size} participants")
        for e in a.representative[g]:
            lines.append(row(int(e["statement"]), str(e["direction"]), float(e["p_success"])))
        lines.append("")
    for d in ("agree", "disagree"):
        if a.consensus[d]:
            lines.append(f"Consensus ({d}):")
            for e in a.consensus[d]:
                lines.append(row(int(e["statement"]), d, float(e["p_success"])))
            lines.append("")
    lines.append("Group-informed consensus (product of the groups' agree probabilities):")
    for e in a.group_informed_consensus():
        lines.append(row(int(e["statement"]), "gic", float(e["gic_agree"]), "{:>5.3f}"))
    lines.append("")
    if a.divisive:
        lines.append("Divisive statements (agree rate: highest vs lowest group):")
        for e in a.divisive:
            j = int(e["statement"])
            hi, lo = e["most_agree_group"], e["least_agree_group"]
            pa = e["p_agree_by_group"]
            lines.append(f"  {group_name(hi)} {pa[hi]:>4.0%} vs {group_name(lo)} {pa[lo]:>4.0%}"
                         f"  #{sids[j]:<6} {_short(conv.statement_texts[j])}")
    return "\n".join(lines).rstrip() + "\n"
