"""Read-only queries of the opinions component."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Count, Q

from parlons.core.opinions.stats import choose_next, priority
from parlons.platform.opinions.models import OpinionMap, Participant, Statement, Vote
from parlons.platform.spaces.models import Component

DEFAULTS: dict[str, Any] = {"anonymous": False, "recompute_every": 50, "qualifications": True,
                            "results_public": True, "submissions": True}
NEW_STATEMENT_PRIORITY = float(priority(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
                                        np.zeros(1, dtype=bool))[0])


def component_settings(component: Component) -> dict[str, Any]:
    """The component's settings with defaults filled in."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in (component.settings or {}).items() if k in DEFAULTS})
    try:
        values["recompute_every"] = max(1, int(values["recompute_every"]))
    except (TypeError, ValueError):
        values["recompute_every"] = DEFAULTS["recompute_every"]
    return values


def accepted_statements(component: Component):
    return Statement.objects.filter(component=component, state=Statement.State.ACCEPTED)


def pending_statements(component: Component):
    return Statement.objects.filter(component=component, state=Statement.State.PENDING)


def statements_with_counts(component: Component):
    return Statement.objects.filter(component=component).annotate(
        n_agree=Count("votes", filter=Q(votes__value=1)),
        n_disagree=Count("votes", filter=Q(votes__value=-1)),
        n_pass=Count("votes", filter=Q(votes__value=0)))


def find_participant(component: Component, *, user=None, browser_id: str | None = None):
    if user is not None and getattr(user, "is_authenticated", False):
        return Participant.objects.filter(component=component, user=user).first()
    if browser_id:
        return Participant.objects.filter(component=component, browser_id=browser_id).first()
    return None


def opinion_map(component: Component) -> OpinionMap | None:
    return OpinionMap.objects.filter(component=component).first()


def next_statement(component: Component, participant: Participant | None,
                   rng: np.random.Generator | None = None
                   ) -> tuple[Statement | None, int, int]:
    """An accepted statement the participant has not voted on, drawn by Polis' priority;
    with the number of accepted statements already voted on and the number of accepted ones."""
    accepted = list(accepted_statements(component).only("pk", "text", "is_meta"))
    seen: set[int] = set()
    if participant is not None:
        seen = set(Vote.objects.filter(participant=participant)
                   .values_list("statement_id", flat=True))
    candidates = [s for s in accepted if s.pk not in seen]
    done, total = len(accepted) - len(candidates), len(accepted)
    if not candidates:
        return None, done, total
    stored = (OpinionMap.objects.filter(component=component)
              .values_list("priorities", flat=True).first()) or {}
    weights = np.array([stored.get(str(s.pk), 49.0 if s.is_meta else NEW_STATEMENT_PRIORITY)
                        for s in candidates], dtype=np.float64)
    if weights.sum() <= 0:
        weights[:] = 1.0
    index = choose_next(weights, np.zeros(len(candidates), dtype=bool),
                        rng or np.random.default_rng())
    return (candidates[index] if index is not None else None), done, total
