"""Personal data of the proposals module: export and anonymisation (account deletion)."""

from __future__ import annotations

from parlons.platform.proposals.models import (
    Comment,
    CommentVote,
    Follow,
    Notification,
    NotificationSettings,
    Proposal,
    Report,
    Support,
)


def export(user) -> dict:
    return {
        "proposals": [
            {"id": p.pk, "title": p.title, "body": p.body, "state": p.state,
             "channel": p.channel, "created_at": p.created_at.isoformat(),
             "published_at": p.published_at.isoformat() if p.published_at else None}
            for p in Proposal.objects.filter(author=user)],
        "comments": [
            {"id": c.pk, "proposal": c.proposal_id, "body": c.body, "alignment": c.alignment,
             "created_at": c.created_at.isoformat(), "deleted": c.is_deleted}
            for c in Comment.objects.filter(author=user)],
        "supports": list(Support.objects.filter(user=user).values_list("proposal_id", flat=True)),
        "comment_votes": [{"comment": c, "value": v} for c, v in
                          CommentVote.objects.filter(user=user).values_list("comment_id",
                                                                            "value")],
        "follows": [{"proposal": p, "space": s} for p, s in
                    Follow.objects.filter(user=user).values_list("proposal_id", "space_id")],
        "notifications": [{"text": n.text, "created_at": n.created_at.isoformat()}
                          for n in Notification.objects.filter(user=user)],
    }


def anonymise(user) -> None:
    """Contributions stay (signed "deleted account"); private traces go."""
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()
    Report.objects.filter(reporter=user).update(details="")
