"""Writes on proposals. Each service checks its rule, runs in one transaction and serialises on
a row lock before it reads what it will change (ADR 3): no check-then-act. Counters move with
``F()`` in the transaction of the row they count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parlons.platform.common.html import sanitize_html
from parlons.platform.proposals import files, rules
from parlons.platform.proposals.models import (
    Answer,
    Attachment,
    Channel,
    Comment,
    CommentVote,
    CustomAnswerState,
    EvaluatorAssignment,
    Follow,
    ModerationLog,
    Notification,
    NotificationSettings,
    PhaseAnnouncement,
    Proposal,
    ProposalVersion,
    Report,
    StaffNote,
    Support,
    UserBlock,
)
from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces.models import Component

State = Proposal.State


@dataclass(frozen=True)
class ComponentSettings:
    support_limit: int = 0  # 0: no limit
    support_minimum: int = 0  # supports count only once a person gave this many
    support_threshold: int = 0  # supports a proposal needs (0: none)
    threshold_caps_supports: bool = False
    report_threshold: int = 3
    premoderation: bool = False
    edit_window_minutes: int = 30
    comment_edit_window_minutes: int = 15
    max_attachments: int = 3


def settings_of(component: Component) -> ComponentSettings:
    raw = component.settings or {}
    values = {}
    for name, default in ComponentSettings.__dataclass_fields__.items():
        if name in raw:
            value = raw[name]
            values[name] = bool(value) if isinstance(default.default, bool) else max(0, int(value))
    return ComponentSettings(**values)


def _log(actor, space, action: str, target: str, reason: str = "") -> None:
    ModerationLog.objects.create(organisation=space.organisation, space=space, actor=actor,
                                 action=action, target=target, reason=reason)


def _proposal_url(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.component_id, proposal.pk])


# ----------------------------------------------------------------------------- proposals


def _clean_texts(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = sanitize_html(body or "").strip()
    errors = {}
    if len(title) < 5:
        errors["title"] = _("The title needs at least 5 characters.")
    if len(title) > 150:
        errors["title"] = _("The title has at most 150 characters.")
    if len(body) < 15:
        errors["body"] = _("The description needs at least 15 characters.")
    if errors:
        raise ValidationError(errors)
    return title, body


def _check_place(component: Component, theme, area) -> None:
    org_id = component.space.organisation_id
    if theme is not None and theme.organisation_id != org_id:
        raise ValidationError({"theme": _("Unknown theme.")})
    if area is not None and area.organisation_id != org_id:
        raise ValidationError({"area": _("Unknown neighbourhood.")})


@transaction.atomic
def create_proposal(*, actor, component: Component, title: str, body: str, theme=None,
                    area=None, address: str = "", latitude: Decimal | None = None,
                    longitude: Decimal | None = None, on_behalf_of=None,
                    channel: str = Channel.ONLINE) -> Proposal:
    """A draft, by its author, or published at once when an agent enters it for a citizen."""
    if component.kind != "proposals":
        raise PermissionDenied
    if on_behalf_of is not None:
        if not rules.can_create_for_citizen(actor, component) or channel == Channel.ONLINE:
            raise PermissionDenied
        author, agent = on_behalf_of, actor
    else:
        if not rules.can_act(actor, component, "create"):
            raise PermissionDenied
        author, agent, channel = actor, None, Channel.ONLINE
    title, body = _clean_texts(title, body)
    _check_place(component, theme, area)
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))
    proposal = Proposal.objects.create(
        component=component, author=author, title=title, body=body, theme=theme, area=area,
        address=(address or "").strip()[:250], latitude=latitude, longitude=longitude,
        channel=channel, created_by_agent=agent)
    ProposalVersion.objects.create(proposal=proposal, number=1, title=title, body=body,
                                   edited_by=actor)
    index_for_search(Proposal.objects.filter(pk=proposal.pk))
    if agent is not None:
        _publish(proposal, settings_of(component), moderated=False)
        _log(actor, component.space, "proposal.created_for_citizen", f"proposal:{proposal.pk}",
             channel)
    return proposal


def index_for_search(proposals) -> None:
    """Refresh the full-text vectors of ``proposals`` (a queryset; PostgreSQL only)."""
    if connection.vendor == "postgresql":
        from parlons.platform.proposals.selectors import search_vector

        proposals.update(search_vector=search_vector())


def _publish(proposal: Proposal, conf: ComponentSettings, moderated: bool) -> None:
    now = timezone.now()
    proposal.state = State.PENDING if (conf.premoderation and moderated) else State.PUBLISHED
    proposal.published_at = now if proposal.state == State.PUBLISHED else None
    proposal.editable_until = now + dt.timedelta(minutes=conf.edit_window_minutes)
    proposal.save(update_fields=["state", "published_at", "editable_until", "updated_at"])


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related(
        "component__space__organisation").get(pk=proposal.pk)


@transaction.atomic
def publish_proposal(*, actor, proposal: Proposal) -> Proposal:
    proposal = _locked(proposal)
    if proposal.author_id != actor.pk or proposal.state != State.DRAFT:
        raise PermissionDenied
    if not rules.can_act(actor, proposal.component, "create"):
        raise PermissionDenied
    _publish(proposal, settings_of(proposal.component), moderated=True)
    Follow.objects.get_or_create(user=actor, proposal=proposal)
    return proposal


@transaction.atomic
def update_proposal(*, actor, proposal: Proposal, title: str, body: str, theme=None, area=None,
                    address: str = "", latitude=None, longitude=None) -> Proposal:
    """Edit a draft, or a published proposal within its edit window; a version is kept."""
    proposal = _locked(proposal)
    if not rules.can_edit_proposal(actor, proposal):
        raise PermissionDenied
    title, body = _clean_texts(title, body)
    _check_place(proposal.component, theme, area)
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))
    changed = (title, body) != (proposal.title, proposal.body)
    proposal.title, proposal.body, proposal.theme, proposal.area = title, body, theme, area
    proposal.address, proposal.latitude, proposal.longitude = address.strip()[:250], latitude, \
        longitude
    if changed and proposal.state != State.DRAFT:
        proposal.version = F("version") + 1
    proposal.save()
    proposal.refresh_from_db()
    if changed:
        index_for_search(Proposal.objects.filter(pk=proposal.pk))
        ProposalVersion.objects.update_or_create(
            proposal=proposal, number=proposal.version,
            defaults={"title": title, "body": body, "edited_by": actor})
    return proposal


@transaction.atomic
def withdraw_proposal(*, actor, proposal: Proposal) -> Proposal:
    proposal = _locked(proposal)
    if not rules.can_withdraw_proposal(actor, proposal):
        raise PermissionDenied
    proposal.state = State.WITHDRAWN if proposal.published_at else State.DRAFT
    proposal.withdrawn_at = timezone.now()
    proposal.save(update_fields=["state", "withdrawn_at", "updated_at"])
    return proposal


@transaction.atomic
def add_attachment(*, actor, proposal: Proposal, upload, title: str = "") -> Attachment:
    proposal = _locked(proposal)
    agent_entry = (proposal.created_by_agent_id == actor.pk
                   and rules.can_create_for_citizen(actor, proposal.component))
    if not (rules.can_edit_proposal(actor, proposal) or agent_entry):
        raise PermissionDenied
    if proposal.attachments.count() >= settings_of(proposal.component).max_attachments:
        raise ValidationError(_("This proposal already has the maximum number of attachments."))
    checked = files.check_upload(upload)
    name = " ".join((title or getattr(upload, "name", "") or "").split())[:150]
    return Attachment.objects.create(proposal=proposal, file=checked.content, kind=checked.kind,
                                     title=name or _("Attachment"), size=checked.size)


# ----------------------------------------------------------------------------- supports


def _lock_person(user) -> None:
    """Serialise one person's supports (limit and minimum are read under this lock)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def support(*, actor, proposal: Proposal, channel: str = Channel.ONLINE) -> Proposal:
    component = proposal.component
    if not rules.can_act(actor, component, "support"):
        raise PermissionDenied
    conf = settings_of(component)
    _lock_person(actor)
    if conf.support_threshold and conf.threshold_caps_supports:
        proposal = _locked(proposal)
    else:
        proposal = Proposal.objects.select_related("component").get(pk=proposal.pk)
    if proposal.component_id != component.pk or proposal.state != State.PUBLISHED:
        raise ValidationError(_("This proposal cannot be supported."))
    mine = Support.objects.filter(component=component, user=actor)
    given = mine.count()
    if conf.support_limit and given >= conf.support_limit:
        raise ValidationError(_("You have used all your supports (%(limit)d).")
                              % {"limit": conf.support_limit})
    if (conf.support_threshold and conf.threshold_caps_supports
            and proposal.support_count >= conf.support_threshold):
        raise ValidationError(_("This proposal already reached its threshold."))
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=actor, component=component,
                                   channel=channel)
    except IntegrityError:
        raise ValidationError(_("You already support this proposal.")) from None
    minimum = max(conf.support_minimum, 1)
    if given + 1 == minimum:  # the person's supports start counting, this one included
        Proposal.objects.filter(supports__user=actor, component=component).update(
            support_count=F("support_count") + 1)
    elif given + 1 > minimum:
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db(fields=["support_count"])
    return proposal


@transaction.atomic
def unsupport(*, actor, proposal: Proposal) -> Proposal:
    component = proposal.component
    if not rules.can_act(actor, component, "support"):
        raise PermissionDenied
    conf = settings_of(component)
    _lock_person(actor)
    mine = Support.objects.filter(component=component, user=actor)
    if not mine.filter(proposal=proposal).exists():  # read under the person's lock
        raise ValidationError(_("You do not support this proposal."))
    given = mine.count()
    minimum = max(conf.support_minimum, 1)
    if given == minimum:  # the person falls below the minimum: none of theirs count now
        Proposal.objects.filter(supports__user=actor, component=component).update(
            support_count=F("support_count") - 1)
    mine.filter(proposal=proposal).delete()
    if given > minimum:
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
    proposal.refresh_from_db(fields=["support_count"])
    return proposal


# ----------------------------------------------------------------------------- comments


def _clean_comment(body: str) -> str:
    """Comments are plain text (escaped when shown): tidy spaces, keep paragraphs."""
    lines = [" ".join(line.split()) for line in (body or "").replace("\r", "").split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


@transaction.atomic
def add_comment(*, actor, proposal: Proposal, body: str, alignment: int = 0,
                parent: Comment | None = None) -> Comment:
    component = proposal.component
    if not rules.can_act(actor, component, "comment"):
        raise PermissionDenied
    proposal = Proposal.objects.get(pk=proposal.pk)  # the current state, not a stale copy
    if proposal.state != State.PUBLISHED:
        raise ValidationError(_("This proposal is not open to comments."))
    body = _clean_comment(body)
    if len(body) < 2:
        raise ValidationError({"body": _("The comment is empty.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("The comment has at most 5,000 characters.")})
    if alignment not in (-1, 0, 1):
        raise ValidationError({"alignment": _("Unknown position.")})
    depth = 0
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise ValidationError(_("Unknown comment."))
        depth = min(parent.depth + 1, 3)
        if parent.depth >= 3:
            parent = parent.parent  # deepest level reached: the reply joins its parent's thread
    approved = not settings_of(component).premoderation
    comment = Comment.objects.create(proposal=proposal, parent=parent, depth=depth, author=actor,
                                     body=body, alignment=alignment, is_approved=approved)
    if approved:
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=F("comment_count") + 1)
        if parent is not None and parent.author_id != actor.pk:
            notify(parent.author, component.space.organisation, Notification.Kind.REPLY,
                   gettext_noop("%(name)s replied to your comment on “%(title)s”."),
                   {"name": actor.public_name, "title": proposal.title}, _proposal_url(proposal),
                   key=f"reply:{comment.pk}")
    return comment


@transaction.atomic
def edit_comment(*, actor, comment: Comment, body: str) -> Comment:
    """The author rewrites their comment within the edit window; the thread marks it edited.

    With pre-moderation an approved comment goes back to the queue (an edit could otherwise
    slip anything past the moderators)."""
    comment = Comment.objects.select_for_update().select_related(
        "proposal__component__space").get(pk=comment.pk)
    conf = settings_of(comment.proposal.component)
    if not rules.can_edit_comment(actor, comment, conf.comment_edit_window_minutes):
        raise PermissionDenied
    body = _clean_comment(body)
    if len(body) < 2:
        raise ValidationError({"body": _("The comment is empty.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("The comment has at most 5,000 characters.")})
    if body == comment.body:
        return comment
    was_visible = comment.is_visible
    comment.body, comment.edited_at = body, timezone.now()
    if conf.premoderation:
        comment.is_approved = False
    comment.save(update_fields=["body", "edited_at", "is_approved"])
    if was_visible and not comment.is_visible:
        _visible_change(comment, -1)
    return comment


def _visible_change(comment: Comment, delta: int) -> None:
    Proposal.objects.filter(pk=comment.proposal_id).update(
        comment_count=F("comment_count") + delta)


@transaction.atomic
def delete_comment(*, actor, comment: Comment) -> Comment:
    """The author deletes: the thread keeps the place with "comment deleted"."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.pk or comment.is_deleted:
        raise PermissionDenied
    was_visible = comment.is_visible
    comment.is_deleted, comment.body = True, ""
    comment.save(update_fields=["is_deleted", "body"])
    if was_visible:
        _visible_change(comment, -1)
    return comment


@transaction.atomic
def vote_comment(*, actor, comment: Comment, value: int) -> Comment:
    """Up (1) or down (-1); the same vote again takes it back; the other one replaces it."""
    if value not in (-1, 1):
        raise ValidationError(_("Unknown vote."))
    if not rules.can_act(actor, comment.proposal.component, "comment") or not comment.is_visible:
        raise PermissionDenied
    Comment.objects.select_for_update().filter(pk=comment.pk).first()
    counter = {1: "up_count", -1: "down_count"}
    previous = CommentVote.objects.filter(comment=comment, user=actor).first()
    if previous is not None:
        previous.delete()
        Comment.objects.filter(pk=comment.pk).update(
            **{counter[previous.value]: F(counter[previous.value]) - 1})
    if previous is None or previous.value != value:
        CommentVote.objects.create(comment=comment, user=actor, value=value)
        Comment.objects.filter(pk=comment.pk).update(**{counter[value]: F(counter[value]) + 1})
    comment.refresh_from_db(fields=["up_count", "down_count"])
    return comment


# ----------------------------------------------------------------------------- answers


@transaction.atomic
def answer_proposal(*, actor, proposal: Proposal, state: str, text: str = "",
                    cost: Decimal | None = None, custom_state: CustomAnswerState | None = None,
                    publish: bool = False) -> Answer:
    proposal = _locked(proposal)
    space = proposal.component.space
    if not rules.can_evaluate(actor, space):
        raise PermissionDenied
    if state not in Answer.State.values:
        raise ValidationError({"state": _("Unknown state.")})
    if state == Answer.State.CUSTOM:
        if custom_state is None or custom_state.space_id != space.pk:
            raise ValidationError({"custom_state": _("Choose a state of this process.")})
    else:
        custom_state = None
    if cost is not None and cost < 0:
        raise ValidationError({"cost": _("The cost cannot be negative.")})
    answer, _created = Answer.objects.update_or_create(
        proposal=proposal, defaults={"state": state, "custom_state": custom_state,
                                     "text": sanitize_html(text), "cost": cost,
                                     "answered_by": actor})
    _log(actor, space, "answer.saved", f"proposal:{proposal.pk}", state)
    if publish:
        _publish_answer(actor, answer)
    return answer


def _publish_answer(actor, answer: Answer) -> None:
    proposal = answer.proposal
    answer.is_published, answer.published_at = True, timezone.now()
    answer.save(update_fields=["is_published", "published_at"])
    _log(actor, proposal.component.space, "answer.published", f"proposal:{proposal.pk}")
    followers = {f.user for f in Follow.objects.filter(proposal=proposal).select_related("user")}
    followers.add(proposal.author)
    for person in followers:
        notify(person, proposal.component.space.organisation, Notification.Kind.ANSWER,
               gettext_noop("The city answered the proposal “%(title)s”: %(state)s."),
               {"title": proposal.title, "state": answer.label}, _proposal_url(proposal),
               key=f"answer:{answer.pk}:{answer.published_at.timestamp():.0f}")


@transaction.atomic
def publish_answers(*, actor, component: Component, proposal_ids: list[int]) -> int:
    """Batch publication of the answers of several proposals of one component."""
    if not rules.can_evaluate(actor, component.space):
        raise PermissionDenied
    answers = list(Answer.objects.select_for_update(of=("self",)).filter(
        proposal__component=component, proposal_id__in=proposal_ids, is_published=False)
        .select_related("proposal__component__space__organisation", "proposal__author",
                        "custom_state"))
    for answer in answers:
        _publish_answer(actor, answer)
    return len(answers)


@transaction.atomic
def assign_evaluator(*, actor, proposal: Proposal, evaluator) -> EvaluatorAssignment:
    space = proposal.component.space
    if not space_rules.can_manage_space(actor, space) and not rules.can_evaluate(actor, space):
        raise PermissionDenied
    if not rules.can_evaluate(evaluator, space):
        raise ValidationError(_("This person is not an evaluator of this process."))
    assignment, _c = EvaluatorAssignment.objects.get_or_create(proposal=proposal,
                                                               evaluator=evaluator)
    _log(actor, space, "evaluator.assigned", f"proposal:{proposal.pk}", evaluator.public_name)
    return assignment


@transaction.atomic
def add_staff_note(*, actor, proposal: Proposal, body: str) -> StaffNote:
    if not rules.is_staff_of(actor, proposal.component.space):
        raise PermissionDenied
    body = " ".join((body or "").split())
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    return StaffNote.objects.create(proposal=proposal, author=actor, body=body[:5000])


# ----------------------------------------------------------------------------- moderation


@transaction.atomic
def report(*, actor, reason: str, details: str = "", proposal: Proposal | None = None,
           comment: Comment | None = None, reported_user=None, organisation=None) -> Report:
    """Report a proposal, a comment or a person; N reports hide the content automatically."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    target = proposal or (comment.proposal if comment else None)
    if target is not None:
        organisation = target.component.space.organisation
        if not rules.can_view_proposal(actor, target):
            raise PermissionDenied
    if organisation is None:
        raise ValidationError(_("Nothing to report."))
    details = " ".join((details or "").split())[:500]
    try:
        with transaction.atomic():
            created = Report.objects.create(organisation=organisation, reporter=actor,
                                            proposal=proposal, comment=comment,
                                            reported_user=reported_user, reason=reason,
                                            details=details)
    except IntegrityError:
        raise ValidationError(_("You already reported this.")) from None
    if proposal is not None:
        locked = _locked(proposal)
        Proposal.objects.filter(pk=proposal.pk).update(report_count=F("report_count") + 1)
        locked.refresh_from_db(fields=["report_count"])
        threshold = settings_of(locked.component).report_threshold
        if threshold and locked.report_count >= threshold and locked.state == State.PUBLISHED:
            _hide_proposal(None, locked, _("Hidden automatically after %(n)d reports.")
                           % {"n": locked.report_count})
    elif comment is not None:
        locked = Comment.objects.select_for_update().select_related(
            "proposal__component__space").get(pk=comment.pk)
        Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
        locked.refresh_from_db(fields=["report_count"])
        threshold = settings_of(locked.proposal.component).report_threshold
        if threshold and locked.report_count >= threshold and not locked.is_hidden:
            _hide_comment(None, locked, _("Hidden automatically after %(n)d reports.")
                          % {"n": locked.report_count})
    return created


def _hide_proposal(actor, proposal: Proposal, reason: str) -> None:
    proposal.state_before_hidden, proposal.state = proposal.state, State.HIDDEN
    proposal.hidden_reason = reason
    proposal.save(update_fields=["state", "state_before_hidden", "hidden_reason", "updated_at"])
    space = proposal.component.space
    _log(actor, space, "proposal.hidden", f"proposal:{proposal.pk}", reason)
    notify(proposal.author, space.organisation, Notification.Kind.MODERATION,
           gettext_noop("Your proposal “%(title)s” was hidden: %(reason)s"),
           {"title": proposal.title, "reason": reason}, _proposal_url(proposal))


def _hide_comment(actor, comment: Comment, reason: str) -> None:
    was_visible = comment.is_visible
    comment.is_hidden, comment.hidden_reason = True, reason
    comment.save(update_fields=["is_hidden", "hidden_reason"])
    if was_visible:
        _visible_change(comment, -1)
    space = comment.proposal.component.space
    _log(actor, space, "comment.hidden", f"comment:{comment.pk}", reason)
    notify(comment.author, space.organisation, Notification.Kind.MODERATION,
           gettext_noop("Your comment on “%(title)s” was hidden: %(reason)s"),
           {"title": comment.proposal.title, "reason": reason}, _proposal_url(comment.proposal))


def _need_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason: it is shown to the author.")})
    return reason[:1000]


@transaction.atomic
def hide_proposal(*, actor, proposal: Proposal, reason: str) -> Proposal:
    proposal = _locked(proposal)
    if not rules.can_moderate(actor, proposal.component.space):
        raise PermissionDenied
    if proposal.state == State.HIDDEN:
        raise ValidationError(_("This proposal is already hidden."))
    _hide_proposal(actor, proposal, _need_reason(reason))
    return proposal


@transaction.atomic
def unhide_proposal(*, actor, proposal: Proposal, reason: str = "") -> Proposal:
    proposal = _locked(proposal)
    space = proposal.component.space
    if not rules.can_moderate(actor, space):
        raise PermissionDenied
    if proposal.state != State.HIDDEN:
        raise ValidationError(_("This proposal is not hidden."))
    proposal.state = proposal.state_before_hidden or State.PUBLISHED
    proposal.state_before_hidden, proposal.hidden_reason = "", ""
    if proposal.state == State.PUBLISHED and proposal.published_at is None:
        proposal.published_at = timezone.now()
    proposal.save()
    Report.objects.filter(proposal=proposal, resolved_at__isnull=True).update(
        resolved_at=timezone.now())
    _log(actor, space, "proposal.unhidden", f"proposal:{proposal.pk}", reason)
    return proposal


@transaction.atomic
def approve_proposal(*, actor, proposal: Proposal) -> Proposal:
    """Pre-moderation: a pending proposal becomes public."""
    proposal = _locked(proposal)
    space = proposal.component.space
    if not rules.can_moderate(actor, space):
        raise PermissionDenied
    if proposal.state != State.PENDING:
        raise ValidationError(_("This proposal is not awaiting moderation."))
    proposal.state, proposal.published_at = State.PUBLISHED, timezone.now()
    proposal.save(update_fields=["state", "published_at", "updated_at"])
    _log(actor, space, "proposal.approved", f"proposal:{proposal.pk}")
    return proposal


@transaction.atomic
def hide_comment(*, actor, comment: Comment, reason: str) -> Comment:
    comment = Comment.objects.select_for_update().select_related(
        "proposal__component__space").get(pk=comment.pk)
    if not rules.can_moderate(actor, comment.proposal.component.space):
        raise PermissionDenied
    if comment.is_hidden:
        raise ValidationError(_("This comment is already hidden."))
    _hide_comment(actor, comment, _need_reason(reason))
    return comment


@transaction.atomic
def unhide_comment(*, actor, comment: Comment, reason: str = "") -> Comment:
    comment = Comment.objects.select_for_update().select_related(
        "proposal__component__space").get(pk=comment.pk)
    space = comment.proposal.component.space
    if not rules.can_moderate(actor, space):
        raise PermissionDenied
    if not comment.is_hidden:
        raise ValidationError(_("This comment is not hidden."))
    comment.is_hidden, comment.hidden_reason = False, ""
    comment.save(update_fields=["is_hidden", "hidden_reason"])
    if comment.is_visible:
        _visible_change(comment, 1)
    Report.objects.filter(comment=comment, resolved_at__isnull=True).update(
        resolved_at=timezone.now())
    _log(actor, space, "comment.unhidden", f"comment:{comment.pk}", reason)
    return comment


@transaction.atomic
def approve_comment(*, actor, comment: Comment) -> Comment:
    comment = Comment.objects.select_for_update().select_related(
        "proposal__component__space").get(pk=comment.pk)
    space = comment.proposal.component.space
    if not rules.can_moderate(actor, space):
        raise PermissionDenied
    if comment.is_approved:
        raise ValidationError(_("This comment is already approved."))
    comment.is_approved = True
    comment.save(update_fields=["is_approved"])
    if comment.is_visible:
        _visible_change(comment, 1)
    _log(actor, space, "comment.approved", f"comment:{comment.pk}")
    return comment


def _can_moderate_organisation(actor, organisation) -> bool:
    from parlons.platform.organisations.models import OrganisationRole
    from parlons.platform.organisations.rules import is_organisation_admin
    from parlons.platform.organisations.selectors import roles_of

    return (is_organisation_admin(actor, organisation)
            or OrganisationRole.Role.MODERATOR in roles_of(actor, organisation))


@transaction.atomic
def block_user(*, actor, organisation, user, reason: str) -> UserBlock:
    if not _can_moderate_organisation(actor, organisation) or user.pk == actor.pk:
        raise PermissionDenied
    reason = _need_reason(reason)
    try:
        with transaction.atomic():
            block = UserBlock.objects.create(organisation=organisation, user=user, reason=reason,
                                             blocked_by=actor)
    except IntegrityError:
        raise ValidationError(_("This person is already blocked.")) from None
    ModerationLog.objects.create(organisation=organisation, actor=actor, action="user.blocked",
                                 target=f"user:{user.pk}", reason=reason)
    return block


@transaction.atomic
def unblock_user(*, actor, organisation, user, reason: str = "") -> int:
    if not _can_moderate_organisation(actor, organisation):
        raise PermissionDenied
    lifted = UserBlock.objects.filter(organisation=organisation, user=user,
                                      lifted_at__isnull=True).update(lifted_at=timezone.now())
    ModerationLog.objects.create(organisation=organisation, actor=actor, action="user.unblocked",
                                 target=f"user:{user.pk}", reason=reason)
    return lifted


# ----------------------------------------------------------------------------- follows and notifications


@transaction.atomic
def toggle_follow(*, actor, proposal: Proposal | None = None, space=None) -> bool:
    """Follow or stop following; returns whether ``actor`` follows afterwards."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    target = {"proposal": proposal} if proposal is not None else {"space": space}
    deleted, _d = Follow.objects.filter(user=actor, **target).delete()
    if deleted:
        return False
    # get_or_create settles a concurrent double click on the unique constraint.
    Follow.objects.get_or_create(user=actor, **target)
    return True


@transaction.atomic
def follow_space(*, actor, space) -> bool:
    """Follow a space the person can see, or stop; returns whether they follow afterwards."""
    if not space_rules.can_view_space(actor, space):
        raise PermissionDenied
    return toggle_follow(actor=actor, space=space)


@transaction.atomic
def announce_phase(phase) -> int:
    """Tell the followers of the phase's space that it started; once per phase, ever.

    The ``PhaseAnnouncement`` row (unique per phase) is inserted first, in the same transaction
    as the notifications: a second worker blocks on the unique index until the first commits,
    then gets the constraint error and sends nothing. Followers who can no longer see the space
    are skipped. Returns the number of people notified."""
    try:
        with transaction.atomic():
            marker = PhaseAnnouncement.objects.create(phase=phase)
    except IntegrityError:
        return 0
    space = phase.space
    url = reverse("web:space_detail", args=[space.slug])
    sent = 0
    for follow in Follow.objects.filter(space=space).select_related("user").order_by("pk"):
        person = follow.user
        if not person.is_active or not space_rules.can_view_space(person, space):
            continue
        if notify(person, space.organisation, Notification.Kind.PHASE,
                  gettext_noop("A new phase started in “%(space)s”: %(phase)s."),
                  {"space": space.title, "phase": phase.title}, url, key=f"phase:{phase.pk}"):
            sent += 1
    marker.recipients = sent
    marker.save(update_fields=["recipients"])
    return sent


def frequency_of(user) -> str:
    setting = NotificationSettings.objects.filter(user=user).first()
    return setting.email_frequency if setting else NotificationSettings.Frequency.IMMEDIATE


def set_frequency(*, user, frequency: str) -> None:
    if frequency not in NotificationSettings.Frequency.values:
        raise ValidationError(_("Unknown frequency."))
    NotificationSettings.objects.update_or_create(user=user,
                                                  defaults={"email_frequency": frequency})


def notify(user, organisation, kind: str, template: str, params: dict, url: str = "",
           key: str = "") -> Notification | None:
    """An in-app notification in the person's language, and an e-mail if they want it now.

    ``template`` is an English msgid already marked for translation; it is translated here in
    the recipient's language."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if user is None or user.is_deleted:
        return None
    with translation.override(user.language or "fr"):
        text = _(template) % params
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                organisation=organisation, user=user, kind=kind, text=text[:300], url=url,
                key=key[:80])
    except IntegrityError:
        return None  # already notified (idempotent keys)
    if frequency_of(user) == NotificationSettings.Frequency.IMMEDIATE:
        from parlons.platform.proposals import tasks

        transaction.on_commit(lambda: tasks.email_notification.delay(notification.pk))
    return notification


# ----------------------------------------------------------------------------- settings


@transaction.atomic
def update_component_settings(*, actor, component: Component, values: dict) -> Component:
    component = Component.objects.select_for_update().select_related("space").get(
        pk=component.pk)
    if not space_rules.can_manage_space(actor, component.space) or component.kind != "proposals":
        raise PermissionDenied
    known = ComponentSettings.__dataclass_fields__
    merged = dict(component.settings or {})
    merged.update({name: value for name, value in values.items() if name in known})
    component.settings = merged
    component.save(update_fields=["settings"])
    return component


@transaction.atomic
def add_custom_state(*, actor, space, name: str) -> CustomAnswerState:
    if not space_rules.can_manage_space(actor, space):
        raise PermissionDenied
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError({"name": _("The name is empty.")})
    state, _c = CustomAnswerState.objects.get_or_create(space=space, name=name)
    return state
