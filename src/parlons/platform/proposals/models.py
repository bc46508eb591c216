"""Proposals, their comments, supports, official answers, moderation and notifications.

Every model hangs below a component (hence a space and an organisation) or names its
organisation, so tenancy is inherited. Counters (supports, comments, votes, reports) are
denormalised and only ever changed with ``F()`` expressions in the transaction of the insert
or delete they count (see ``services``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL
MAX_COMMENT_DEPTH = 3


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("paper form")
    STAND = "stand", _("stand")
    WORKSHOP = "workshop", _("workshop")
    PHONE = "phone", _("phone")


class Proposal(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PENDING = "pending", _("awaiting moderation")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")
        HIDDEN = "hidden", _("hidden by moderation")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="proposals")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("description"))
    theme = models.ForeignKey("organisations.Theme", on_delete=models.SET_NULL, null=True,
                              blank=True, verbose_name=_("theme"))
    area = models.ForeignKey("organisations.Area", on_delete=models.SET_NULL, null=True,
                             blank=True, verbose_name=_("neighbourhood"))
    address = models.CharField(_("address"), max_length=250, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.DRAFT)
    state_before_hidden = models.CharField(max_length=12, choices=State.choices, blank=True)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.ONLINE)
    created_by_agent = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="proposals_entered")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    editable_until = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    # PostgreSQL: French tsvector of the unaccented title and body, kept by the services (GIN
    # index created in migration 0003 on PostgreSQL only); unused elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["component", "state", "-published_at"]),
            models.Index(fields=["component", "state", "-support_count"]),
            models.Index(fields=["component", "state", "-comment_count"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90)
                   & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="proposal_point_valid"),
            models.CheckConstraint(condition=~Q(state="published") | Q(published_at__isnull=False),
                                   name="proposal_published_has_date"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_visible(self) -> bool:
        return self.state in (self.State.PUBLISHED, self.State.WITHDRAWN)


class ProposalVersion(models.Model):
    """What a proposal said at each edit: the history is public."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=150)
    body = models.TextField()
    edited_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["proposal", "number"],
                                               name="unique_proposal_version")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Attachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF document")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="proposals/%Y/%m/")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=150)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="proposal_supports")
    # denormalised so that a person's supports in one component are one indexed lookup
    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["component", "user"])]
        constraints = [models.UniqueConstraint(fields=["proposal", "user"],
                                               name="one_support_per_person")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Comment(models.Model):
    class Alignment(models.IntegerChoices):
        AGAINST = -1, _("against")
        NEUTRAL = 0, _("neutral")
        FOR = 1, _("for")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="proposal_comments")
    body = models.TextField(_("comment"))
    alignment = models.SmallIntegerField(_("position"), choices=Alignment.choices,
                                         default=Alignment.NEUTRAL)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    is_approved = models.BooleanField(default=True)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    up_count = models.PositiveIntegerField(default=0)
    down_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["proposal", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_COMMENT_DEPTH),
                                   name="comment_depth_bounded"),
            models.CheckConstraint(condition=Q(alignment__in=[-1, 0, 1]),
                                   name="comment_alignment_valid"),
            models.CheckConstraint(condition=Q(parent__isnull=True, depth=0)
                                   | Q(parent__isnull=False, depth__gt=0),
                                   name="comment_depth_matches_parent"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.is_approved and not self.is_hidden and not self.is_deleted



class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="comment_votes")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_vote_per_comment"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="comment_vote_up_down"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class CustomAnswerState(models.Model):
    """An answer state defined by one process, beside the three built-in ones."""

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE,
                              related_name="answer_states")
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["space", "name"],
                                               name="unique_custom_answer_state")]

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """The official answer of the city to a proposal."""

    class State(models.TextChoices):
        EVALUATING = "evaluating", _("under review")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("not accepted")
        CUSTOM = "custom", _("other (state of the process)")

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="answer")
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    custom_state = models.ForeignKey(CustomAnswerState, on_delete=models.PROTECT, null=True,
                                     blank=True, verbose_name=_("state of the process"))
    text = models.TextField(_("answer"), blank=True)
    cost = models.DecimalField(_("cost (euros)"), max_digits=12, decimal_places=2, null=True,
                               blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(state="custom", custom_state__isnull=False)
                                   | (~Q(state="custom") & Q(custom_state__isnull=True)),
                                   name="answer_custom_state_consistent"),
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gte=0),
                                   name="answer_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def label(self) -> str:
        return str(self.custom_state) if self.custom_state_id else self.get_state_display()



class EvaluatorAssignment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "evaluator"],
                                               name="unique_evaluator_assignment")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class StaffNote(models.Model):
    """Private notes of the city services on a proposal: staff only."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="staff_notes")
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        OFFENSIVE = "offensive", _("insulting or hateful")
        PERSONAL = "personal", _("personal data of someone else")
        OFF_TOPIC = "off_topic", _("off topic")
        OTHER = "other", _("other")

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="reports")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reports")
    reported_user = models.ForeignKey(USER, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    details = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True,
                            reported_user__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False, reported_user__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=True, reported_user__isnull=False),
                name="report_one_target"),
            models.UniqueConstraint(fields=["reporter", "proposal"],
                                    condition=Q(proposal__isnull=False),
                                    name="one_report_per_proposal"),
            models.UniqueConstraint(fields=["reporter", "comment"],
                                    condition=Q(comment__isnull=False),
                                    name="one_report_per_comment"),
            models.UniqueConstraint(fields=["organisation", "reporter", "reported_user"],
                                    condition=Q(reported_user__isnull=False),
                                    name="one_report_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class UserBlock(models.Model):
    """A person barred from participating in one organisation (reversible)."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    blocked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"],
                                               condition=Q(lifted_at__isnull=True),
                                               name="one_active_block")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class ModerationLog(models.Model):
    """Audit log: every moderation and answer action, append-only."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    space = models.ForeignKey("spaces.Space", on_delete=models.SET_NULL, null=True,
                              related_name="+")
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=60)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Follow(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="follows")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="follows")
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(proposal__isnull=True) ^ Q(space__isnull=True),
                                   name="follow_one_target"),
            models.UniqueConstraint(fields=["user", "proposal"], condition=Q(proposal__isnull=False),
                                    name="unique_follow_proposal"),
            models.UniqueConstraint(fields=["user", "space"], condition=Q(space__isnull=False),
                                    name="unique_follow_space"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class NotificationSettings(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("immediately")
        DAILY = "daily", _("daily digest")
        NEVER = "never", _("never")

    user = models.OneToOneField(USER, on_delete=models.CASCADE,
                                related_name="notification_settings")
    email_frequency = models.CharField(_("e-mails"), max_length=10, choices=Frequency.choices,
                                       default=Frequency.IMMEDIATE)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"



class Notification(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", _("answer to my proposal")
        REPLY = "reply", _("reply to my comment")
        PHASE = "phase", _("new phase in a process I follow")
        MODERATION = "moderation", _("moderation of my contribution")
        BUDGET = "budget", _("participatory-budget project I follow or submitted")

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""),
                                               name="unique_notification_key")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class PhaseAnnouncement(models.Model):
    """The sent-marker of "a new phase started": one row per phase, created in the transaction
    that notifies the followers, so that two workers never announce a phase twice."""

    phase = models.OneToOneField("spaces.Phase", on_delete=models.CASCADE,
                                 related_name="announcement")
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
