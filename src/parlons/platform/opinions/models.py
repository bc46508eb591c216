"""Opinion maps (Polis-style): statements, participants, votes and the computed map."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    """A short statement participants agree or disagree with."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="opinion_statements")
    text = models.CharField(_("statement"), max_length=280)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="opinion_statements")
    author_participant = models.ForeignKey("Participant", on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="statements")
    is_seed = models.BooleanField(_("seeded by the organisers"), default=False)
    is_meta = models.BooleanField(_("meta statement"), default=False)
    state = models.CharField(_("moderation"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["pk"]
        indexes = [models.Index(fields=["component", "state"])]

    def __str__(self) -> str:
        return self.text

    @property
    def polis_moderation(self) -> int:
        """1 accepted, -1 rejected, 0 pending (Polis' ``moderated`` column)."""
        return {self.State.ACCEPTED: 1, self.State.REJECTED: -1}.get(self.state, 0)


class Participant(models.Model):
    """Someone who votes in one component: a user, or a browser without an account."""

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="opinion_participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="opinion_participations")
    browser_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["component", "user"], name="opinions_one_per_user",
                                    condition=models.Q(user__isnull=False)),
            models.UniqueConstraint(fields=["component", "browser_id"],
                                    name="opinions_one_per_browser",
                                    condition=models.Q(browser_id__isnull=False)),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(browser_id__isnull=False),
                name="opinions_participant_identified"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}:{self.pk}"


class Vote(models.Model):
    """The latest vote of a participant on a statement (one row, updated in place)."""

    class Value(models.IntegerChoices):
        AGREE = 1, _("agree")
        DISAGREE = -1, _("disagree")
        PASS = 0, _("pass / unsure")

    class Qualification(models.TextChoices):
        NONE = "", _("no qualification")
        FAVOURITE = "favourite", _("favourite")
        REALISTIC = "realistic", _("realistic")
        UNFEASIBLE = "unfeasible", _("unfeasible")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="opinion_votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("vote"), choices=Value.choices)
    qualification = models.CharField(_("qualification"), max_length=12, blank=True,
                                     choices=Qualification.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"],
                                    name="opinions_one_vote_per_statement"),
            models.CheckConstraint(condition=models.Q(value__in=(-1, 0, 1)),
                                   name="opinions_vote_value"),
        ]
        indexes = [models.Index(fields=["component", "id"])]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.statement_id}: {self.value}"


class OpinionMap(models.Model):
    """The latest computed map of a component (one row, locked while recomputing)."""

    component = models.OneToOneField("spaces.Component", on_delete=models.CASCADE,
                                     related_name="opinion_map")
    computed_at = models.DateTimeField(null=True, blank=True)
    n_votes = models.PositiveIntegerField(default=0)
    last_vote_id = models.BigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    priorities = models.JSONField(default=dict, blank=True)
    svg = models.TextField(blank=True)
    state = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("opinion map")
        verbose_name_plural = _("opinion maps")

    def __str__(self) -> str:
        return f"{self.component}"
