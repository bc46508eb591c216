"""The opinion-map pipeline: from a conversation to groups, statements and a map."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parlons.core.opinions.clustering import (
    Clustering,
    OpinionState,
    cluster_centres,
    kmeans,
    match_previous,
    max_groups_for,
    smooth_k,
)
from parlons.core.opinions.model import Conversation
from parlons.core.opinions.pca import Projection, build_matrix, pca_2d
from parlons.core.opinions.stats import (
    GroupStats,
    consensus,
    count_split,
    divisive,
    group_informed_consensus,
    group_stats,
    priority,
    representative,
    split_votes,
)


@dataclass(frozen=True)
class Settings:
    """Parameters of the pipeline (defaults: Polis')."""

    seed: int = 0
    min_votes: int = 7              # participants count once they cast min(7, #statements)
    min_participants: int = 15      # ... and at least this many (the most active) are kept
    base_k: int = 100               # base clusters
    max_groups: int = 5
    k_buffer: int = 4               # recomputes a new k must win in a row
    pick_max: int = 5
    confidence: float = 0.9
    group_inits: int = 10           # k-means restarts on the base-cluster centres


@dataclass
class Analysis:
    """Everything the pipeline computed (arrays indexed like the conversation's ids)."""

    conversation: Conversation
    projection: Projection
    in_conv: np.ndarray              # (n,) participants clustered
    base_labels: np.ndarray          # (n,) base cluster, -1 when not clustered
    base_centres: np.ndarray         # (b, 2)
    base_sizes: np.ndarray           # (b,)
    groups: np.ndarray               # (n,) opinion group, -1 when not clustered
    group_centres: np.ndarray        # (k, 2)
    subgroups: np.ndarray            # (n,) subgroup within the group, -1 when none
    silhouettes: dict[int, float]
    best_k: int | None
    stats: GroupStats | None
    representative: list[list[dict[str, Any]]]
    consensus: dict[str, list[dict[str, Any]]]
    gic_agree: np.ndarray
    gic_disagree: np.ndarray
    divisive: list[dict[str, Any]]
    priority: np.ndarray
    extremity: np.ndarray
    state: OpinionState
    settings: Settings = field(default_factory=Settings)

    @property
    def n_groups(self) -> int:
        return len(self.group_centres)

    def group_informed_consensus(self, pick_max: int | None = None) -> list[dict[str, Any]]:
        """Active statements with the highest group-informed agreement."""
        pick = self.settings.pick_max if pick_max is None else pick_max
        assert self.conversation.moderation is not None
        active = np.flatnonzero((self.conversation.moderation != -1) & self.projection.columns)
        order = active[np.lexsort((active, -self.gic_agree[active]))][:pick]
        return [{"statement": int(j), "gic_agree": float(self.gic_agree[j]),
                 "gic_disagree": float(self.gic_disagree[j])} for j in order]


def select_participants(n_votes: np.ndarray, n_statements: int, min_votes: int = 7,
                        min_participants: int = 15) -> np.ndarray:
    """Mask of participants with at least min(min_votes, n_statements) votes; when fewer than
    ``min_participants`` qualify, the most active voters (ties: first id) are added."""
    keep = n_votes >= min(min_votes, n_statements)
    keep &= n_votes > 0
    if keep.sum() < min_participants:
        order = np.lexsort((np.arange(len(n_votes)), -n_votes))
        top = order[:min_participants]
        keep[top[n_votes[top] > 0]] = True
    return keep


def analyse(conv: Conversation, settings: Settings | None = None,
            state: OpinionState | None = None) -> Analysis:
    """Run the Polis pipeline on ``conv``; ``state`` is the previous recompute's state."""
    cfg = settings or Settings()
    rng = np.random.default_rng(cfg.seed)
    mat = build_matrix(conv)
    proj = pca_2d(mat, seed=cfg.seed)
    n = conv.n_participants
    n_cols = int(proj.columns.sum())
    in_conv = select_participants(mat.n_votes, n_cols, cfg.min_votes, cfg.min_participants)
    members = np.flatnonzero(in_conv)
    xy = proj.participants[members]

    base_labels = np.full(n, -1)
    groups = np.full(n, -1)
    subgroups = np.full(n, -1)
    base_centres = np.zeros((0, 2))
    base_sizes = np.zeros(0, dtype=np.int64)
    group_centres = np.zeros((0, 2))
    clustering = Clustering({}, {}, {})
    k_used: int | None = None
    new_state = state or OpinionState()
    if len(members):
        n_distinct = len(np.unique(xy, axis=0))
        k_base = min(cfg.base_k, n_distinct)
        lab, base_centres, _ = kmeans(xy, k_base, rng=rng)
        base_sizes = np.bincount(lab, minlength=k_base)
        used = base_sizes > 0
        remap = np.cumsum(used) - 1
        lab, base_centres, base_sizes = remap[lab], base_centres[used], base_sizes[used]
        base_labels[members] = lab
        max_k = max_groups_for(len(base_centres), cfg.max_groups)
        clustering = cluster_centres(base_centres, base_sizes.astype(float), max_k=max_k,
                                     rng=rng, n_init=cfg.group_inits)
        this_k = clustering.best_k
        if this_k is not None:
            k_used, last_k, count = smooth_k(this_k, state, cfg.k_buffer)
            if k_used not in clustering.labels:
                k_used = this_k
            glab, gcen = clustering.labels[k_used], clustering.centres[k_used]
            perm = match_previous(gcen, state.group_centres if state else ())
            glab = perm[glab]
            ordered = np.empty_like(gcen)
            ordered[perm] = gcen
            group_centres = ordered
            groups[members] = glab[lab]
            new_state = OpinionState(last_k, count, k_used,
                                     tuple((float(x), float(y)) for x, y in group_centres))
            _subgroups(base_centres, base_sizes, glab, lab, members, subgroups, cfg, rng)
        else:
            groups[members] = 0
            group_centres = np.average(xy, axis=0, weights=None)[None, :]

    k = len(group_centres)
    active = (conv.moderation != -1) & proj.columns  # type: ignore[operator]
    stats = None
    rep: list[list[dict[str, Any]]] = []
    agree, disagree = split_votes(mat.votes)
    if k:
        na, nd, ns = count_split(agree, disagree, mat.voted, groups, k)
        stats = group_stats(na, nd, ns)
        rep = representative(stats, active, pick_max=cfg.pick_max, confidence=cfg.confidence)
        gic_a, gic_d = group_informed_consensus(stats)
        div = divisive(stats, active, pick_max=cfg.pick_max, confidence=cfg.confidence)
    else:
        gic_a = gic_d = np.zeros(conv.n_statements)
        div = []
    everyone = np.zeros(n, dtype=np.int64)
    ta, td, ts = (x[0] for x in count_split(agree, disagree, mat.voted, everyone, 1))
    cons = consensus(ta, td, ts, active, pick_max=cfg.pick_max, confidence=cfg.confidence)
    extremity = np.linalg.norm(proj.statements, axis=1)
    ca, cd, cs = (x[0] for x in count_split(agree, disagree, mat.voted,
                                             np.where(in_conv, 0, -1), 1))
    prio = priority(ca, cd, cs, extremity, conv.is_meta)  # type: ignore[arg-type]
    prio = np.where(conv.moderation == -1, 0.0, prio)
    return Analysis(
        conversation=conv, projection=proj, in_conv=in_conv, base_labels=base_labels,
        base_centres=base_centres, base_sizes=base_sizes, groups=groups,
        group_centres=group_centres, subgroups=subgroups, silhouettes=clustering.silhouettes,
        best_k=clustering.best_k, stats=stats, representative=rep, consensus=cons,
        gic_agree=gic_a, gic_disagree=gic_d, divisive=div, priority=prio, extremity=extremity,
        state=new_state, settings=cfg)


def _subgroups(base_centres: np.ndarray, base_sizes: np.ndarray, glab: np.ndarray,
               lab: np.ndarray, members: np.ndarray, out: np.ndarray, cfg: Settings,
               rng: np.random.Generator) -> None:
    """Polis' subgroups: the same k-by-silhouette search inside each group's base clusters."""
    for g in range(int(glab.max()) + 1):
        inside = np.flatnonzero(glab == g)
        max_k = max_groups_for(len(inside), cfg.max_groups)
        if len(inside) < 3:
            continue
        sub = cluster_centres(base_centres[inside], base_sizes[inside].astype(float),
                              max_k=max_k, rng=rng, n_init=cfg.group_inits)
        best = sub.best_k
        if best is None:
            continue
        base_sub = np.full(len(base_centres), -1)
        base_sub[inside] = sub.labels[best]
        picked = base_sub[lab]
        out[members] = np.where(picked >= 0, picked, out[members])
