"""Personal data of the opinions component: export and anonymisation of a person's votes."""

from __future__ import annotations

import secrets

from parlons.platform.opinions.models import Participant, Statement, Vote


def export(user) -> dict:
    votes = Vote.objects.filter(participant__user=user).select_related("statement")
    statements = Statement.objects.filter(author=user)
    return {
        "votes": [{"component": v.component_id, "statement": v.statement.text,
                   "vote": v.get_value_display(), "qualification": v.qualification,
                   "updated_at": v.updated_at.isoformat()} for v in votes],
        "statements": [{"component": s.component_id, "text": s.text, "state": s.state,
                        "created_at": s.created_at.isoformat()} for s in statements],
    }


def anonymise(user) -> None:
    """Keep the votes in the maps, cut every link to the person."""
    Statement.objects.filter(author=user).update(author=None)
    for participant in Participant.objects.filter(user=user):
        participant.user = None
        participant.browser_id = "deleted-" + secrets.token_urlsafe(16)
        participant.save(update_fields=["user", "browser_id"])
