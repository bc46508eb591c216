"""Build the core's Conversation from the database and store the computed map."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from parlons.core.opinions import Conversation, OpinionState, Settings, analyse
from parlons.core.opinions.report import to_dict
from parlons.core.opinions.svg import render_svg
from parlons.platform.opinions.models import OpinionMap, Statement, Vote
from parlons.platform.spaces.models import Component


def conversation_for(component: Component) -> Conversation:
    """Every statement (moderation as in Polis: 1, 0, -1) and every participant's vote."""
    statements = list(Statement.objects.filter(component=component).order_by("pk"))
    votes = list(Vote.objects.filter(component=component)
                 .values_list("participant_id", "statement_id", "value"))
    p, s, v = (np.array(col, dtype=np.int64) for col in zip(*votes, strict=True)) if votes \
        else (np.zeros(0, dtype=np.int64),) * 3
    return Conversation.from_events(
        p, s, v, statement_ids=[st.pk for st in statements],
        statement_texts=[st.text for st in statements],
        moderation=[st.polis_moderation for st in statements],
        is_meta=[st.is_meta for st in statements], title=component.title)


def recompute(component_id: int) -> OpinionMap | None:
    """Recompute the map under a row lock, so two recomputes never interleave."""
    component = Component.objects.filter(pk=component_id, kind="opinions").first()
    if component is None:
        return None
    OpinionMap.objects.get_or_create(component=component)
    with transaction.atomic():
        row = OpinionMap.objects.select_for_update().get(component=component)
        last_vote = Vote.objects.filter(component=component).aggregate(m=Max("pk"))["m"] or 0
        conv = conversation_for(component)
        row.n_votes = conv.n_votes
        row.last_vote_id = last_vote
        row.computed_at = timezone.now()
        if conv.n_votes == 0:
            row.result, row.priorities, row.svg = {}, {}, ""
        else:
            state = OpinionState.from_dict(row.state) if row.state else None
            analysis = analyse(conv, Settings(seed=component.pk), state=state)
            result = to_dict(analysis, members=True)
            result.pop("participant_coordinates", None)
            row.result = result
            row.priorities = {str(sid): float(pr) for sid, pr
                              in zip(conv.statement_ids.tolist(), analysis.priority, strict=True)}
            row.svg = render_svg(analysis)
            row.state = analysis.state.to_dict()
        row.save()
    return row
