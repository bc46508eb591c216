"""Who may do what with proposals: small named functions over the spine's rules."""

from __future__ import annotations

from django.utils import timezone

from parlons.platform.proposals.models import Comment, Proposal, UserBlock
from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces.models import Component, Space


def is_blocked(user, organisation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, "_parlons_blocked", None)
    if cache is None:
        cache = {}
        user._parlons_blocked = cache
    if organisation.pk not in cache:
        cache[organisation.pk] = UserBlock.objects.filter(
            organisation=organisation, user=user, lifted_at__isnull=True).exists()
    return cache[organisation.pk]


def can_act(user, component: Component, action: str) -> bool:
    """``action`` (create, comment, support) allowed now for ``user`` in ``component``."""
    return (space_rules.can_participate(user, component, action)
            and not is_blocked(user, component.space.organisation))


def is_staff_of(user, space: Space) -> bool:
    """Moderators, evaluators and admins: they see hidden contributions and staff notes."""
    return (space_rules.can_moderate_space(user, space)
            or space_rules.can_evaluate_in_space(user, space))


def can_view_proposal(user, proposal: Proposal) -> bool:
    component = proposal.component
    if not space_rules.can_view_component(user, component):
        return False
    if proposal.state in (Proposal.State.PUBLISHED, Proposal.State.WITHDRAWN):
        return True
    if proposal.author_id == getattr(user, "pk", None):
        return True  # drafts, pending and hidden ones (the author sees why)
    return proposal.state != Proposal.State.DRAFT and is_staff_of(user, component.space)


def can_edit_proposal(user, proposal: Proposal) -> bool:
    if proposal.author_id != getattr(user, "pk", None):
        return False
    if is_blocked(user, proposal.component.space.organisation):
        return False
    if proposal.state == Proposal.State.DRAFT:
        return True
    if proposal.state not in (Proposal.State.PUBLISHED, Proposal.State.PENDING):
        return False
    return proposal.editable_until is not None and timezone.now() <= proposal.editable_until


def can_withdraw_proposal(user, proposal: Proposal) -> bool:
    return (proposal.author_id == getattr(user, "pk", None)
            and proposal.state in (Proposal.State.PUBLISHED, Proposal.State.PENDING))


def can_create_for_citizen(user, component: Component) -> bool:
    """Agents enter proposals met at a stand or by phone, even outside the online phase."""
    return (space_rules.can_act_for_citizens(user, component.space)
            and space_rules.can_view_component(user, component))


def can_moderate(user, space: Space) -> bool:
    return space_rules.can_moderate_space(user, space)


def can_evaluate(user, space: Space) -> bool:
    return space_rules.can_evaluate_in_space(user, space)


def can_export(user, space: Space) -> bool:
    return space_rules.can_manage_space(user, space) or can_moderate(user, space)


def comment_editable(comment: Comment, window_minutes: int, now=None) -> bool:
    """The comment may still change: not deleted nor hidden, and within the edit window."""
    if comment.is_deleted or comment.is_hidden:
        return False
    now = now or timezone.now()
    return (now - comment.created_at).total_seconds() <= window_minutes * 60


def can_edit_comment(user, comment: Comment, window_minutes: int) -> bool:
    """Only the author, while they may comment here, on a published proposal, in the window."""
    if comment.author_id != getattr(user, "pk", None):
        return False
    proposal = comment.proposal
    return (proposal.state == Proposal.State.PUBLISHED
            and comment_editable(comment, window_minutes)
            and can_act(user, proposal.component, "comment"))
