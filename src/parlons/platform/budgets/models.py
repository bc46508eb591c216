"""Participatory budgets: budgets, projects, feasibility reviews, ballots, paper entries, works.

Ballot secrecy (ADR 0004): ``VoterRecord`` says who voted in a budget; ``Ballot`` says what was
voted. With the secret-ballot option a ballot has no voter and a random primary key, and the two
are linked only by the receipt code, of which only a hash is stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: fields that make the voting and counting rules; frozen once the vote opens
RULE_FIELDS = ("amount", "ballot_type", "min_share", "min_projects", "max_projects", "points",
               "counting_rule", "completion", "secret_ballot", "area_id")


class Budget(models.Model):
    class BallotType(models.TextChoices):
        KNAPSACK = "knapsack", _("approval within the budget")
        MINMAX = "minmax", _("approval of a minimum and maximum number of projects")
        CUMULATIVE = "cumulative", _("points to distribute")

    class CountingRule(models.TextChoices):
        GREEDY = "greedy", _("greedy by votes")
        MES = "mes", _("method of equal shares with completion")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budgets")
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, null=True,
                             blank=True, verbose_name=_("neighbourhood"),
                             help_text=_("Empty for a city-wide budget."))
    amount = models.PositiveBigIntegerField(_("amount (€)"))
    ballot_type = models.CharField(_("ballot type"), max_length=12, choices=BallotType.choices,
                                   default=BallotType.KNAPSACK)
    min_share = models.PositiveSmallIntegerField(
        _("minimum share of the budget to spend (%)"), default=0,
        help_text=_("Approval within the budget: a ballot must spend at least this share."))
    min_projects = models.PositiveSmallIntegerField(_("minimum number of projects"), default=1)
    max_projects = models.PositiveSmallIntegerField(_("maximum number of projects"), default=5)
    points = models.PositiveSmallIntegerField(_("points to distribute"), default=10)
    counting_rule = models.CharField(_("counting rule"), max_length=10,
                                     choices=CountingRule.choices, default=CountingRule.GREEDY)
    completion = models.CharField(_("completion of equal shares"), max_length=20,
                                  default="add1u", editable=False)
    show_comparison = models.BooleanField(_("show the comparison greedy / equal shares"),
                                          default=False)
    secret_ballot = models.BooleanField(
        _("secret ballot"), default=True,
        help_text=_("Who voted and what was voted are stored apart (see the documentation)."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    frozen_at = models.DateTimeField(_("rules frozen at"), null=True, blank=True)
    decisions_published_at = models.DateTimeField(_("feasibility decisions published at"),
                                                  null=True, blank=True)
    results = models.JSONField(_("results"), default=dict, blank=True)
    results_computed_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(_("results published at"), null=True,
                                                blank=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(condition=models.Q(min_share__lte=100),
                                   name="budget_min_share_percent"),
            models.CheckConstraint(condition=models.Q(max_projects__gte=models.F("min_projects")),
                                   name="budget_min_max_projects_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_rules = {f: getattr(instance, f) for f in RULE_FIELDS
                                  if f in field_names or f.removesuffix("_id") in field_names}
        return instance

    def save(self, *args, **kwargs):  # noqa: DJ012 - from_db is Django's hook, not a custom one
        # Last line of defence behind the services: frozen rules never change.
        if self.pk and self.changed_rules() and Budget.objects.filter(
                pk=self.pk, frozen_at__isnull=False).exists():
            raise ValidationError(_("The voting and counting rules are frozen since the "
                                    "vote opened."))
        super().save(*args, **kwargs)
        self._loaded_rules = {f: getattr(self, f) for f in RULE_FIELDS}

    def changed_rules(self) -> list[str]:
        loaded = getattr(self, "_loaded_rules", {})
        return [f for f, value in loaded.items() if getattr(self, f) != value]


class BudgetProject(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        FEASIBLE = "feasible", _("feasible")
        NOT_FEASIBLE = "not_feasible", _("not feasible")
        MERGED = "merged", _("merged")

    class Works(models.TextChoices):
        NONE = "", _("not started")
        STUDY = "study", _("in study")
        WORKS = "works", _("works in progress")
        DONE = "done", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    estimated_cost = models.PositiveBigIntegerField(_("estimated cost (€)"))
    reviewed_cost = models.PositiveBigIntegerField(_("reviewed cost (€)"), null=True, blank=True)
    area = models.ForeignKey("organisations.Area", on_delete=models.SET_NULL, null=True,
                             blank=True, verbose_name=_("neighbourhood"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="budget_projects")
    coauthors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                       related_name="coauthored_budget_projects")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=15, choices=State.choices,
                             default=State.SUBMITTED)
    public_reason = models.TextField(_("public reason"), blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="merged_projects")
    merge_agreement = models.TextField(_("authors' agreement to the merge"), blank=True)
    works_status = models.CharField(_("works"), max_length=10, choices=Works.choices,
                                    default=Works.NONE, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budget project")
        verbose_name_plural = _("budget projects")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_cost__gt=0),
                                   name="budget_project_cost_positive"),
            models.CheckConstraint(condition=models.Q(reviewed_cost__isnull=True)
                                   | models.Q(reviewed_cost__gt=0),
                                   name="budget_project_reviewed_cost_positive"),
            models.CheckConstraint(condition=models.Q(progress__lte=100),
                                   name="budget_project_progress_percent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cost(self) -> int:
        return self.reviewed_cost or self.estimated_cost


class Review(models.Model):
    """The feasibility review of one project by a city service (private until published)."""

    class Decision(models.TextChoices):
        PENDING = "", _("pending")
        FEASIBLE = "feasible", _("feasible")
        NOT_FEASIBLE = "not_feasible", _("not feasible")
        MERGED = "merged", _("merged")

    project = models.OneToOneField(BudgetProject, on_delete=models.CASCADE, related_name="review")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="budget_reviews",
                                  verbose_name=_("evaluator"))
    service = models.CharField(_("service"), max_length=120, blank=True)
    city_competence = models.BooleanField(_("within the city's competence"), default=False)
    investment = models.BooleanField(_("investment, not operating cost"), default=False)
    public_land = models.BooleanField(_("on public land"), default=False)
    legal = models.BooleanField(_("legal"), default=False)
    reviewed_cost = models.PositiveBigIntegerField(_("reviewed cost (€)"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=15, choices=Decision.choices,
                                default=Decision.PENDING, blank=True)
    public_reason = models.TextField(_("public reason"), blank=True)
    notes = models.TextField(_("private notes"), blank=True)
    merged_into = models.ForeignKey(BudgetProject, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("merged into"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feasibility review")
        verbose_name_plural = _("feasibility reviews")

    def __str__(self) -> str:
        return f"{self.project}"


class Eligibility(models.Model):
    """A person's declaration (or an agent's check) that they may vote in a component."""

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budget_eligibilities")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="budget_eligibilities")
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT,
                             verbose_name=_("neighbourhood"))
    age_confirmed = models.BooleanField(default=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    census_entry = models.OneToOneField("CensusEntry", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="eligibility")
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["component", "user"],
                                               name="one_budget_eligibility_per_person")]

    def __str__(self) -> str:
        return f"{self.user} — {self.area}"


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("paper")
    AGENT = "agent", _("entered by an agent")
    CODE = "code", _("with a voting code")


class VoterRecord(models.Model):
    """Who voted in a budget (the list of voters); also the row that serialises a voter."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="voter_records")
    voter_key = models.CharField(max_length=80)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="budget_voter_records")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    station = models.CharField(max_length=120, blank=True)
    voted_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "voter_key"],
                                               name="one_voter_record_per_budget")]

    def __str__(self) -> str:
        return f"{self.budget} — {self.voter_key}"


class Ballot(models.Model):
    """What was voted. ``voter`` is empty for secret ballots; the receipt is stored hashed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="budget_ballots")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    station = models.CharField(max_length=120, blank=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    created_on = models.DateField()
    updated_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "voter"],
                                               condition=models.Q(voter__isnull=False),
                                               name="one_ballot_per_person_per_budget")]

    def __str__(self) -> str:
        return str(self.pk)


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(BudgetProject, on_delete=models.CASCADE,
                                related_name="ballot_choices")
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="unique_ballot_choice"),
            models.CheckConstraint(condition=models.Q(points__gt=0),
                                   name="ballot_choice_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.points}"


class PaperSheet(models.Model):
    """A paper ballot, entered twice by two agents; confirmed when both entries agree."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the second entry")
        CONFIRMED = "confirmed", _("confirmed")
        MISMATCH = "mismatch", _("entries differ: to review")
        REJECTED = "rejected", _("rejected (already voted)")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="paper_sheets")
    station = models.CharField(_("polling station"), max_length=120)
    number = models.PositiveIntegerField(_("sheet number"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "station", "number"],
                                               name="unique_paper_sheet")]

    def __str__(self) -> str:
        return f"{self.station} {self.number}"


class PaperEntry(models.Model):
    sheet = models.ForeignKey(PaperSheet, on_delete=models.CASCADE, related_name="entries")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    voter_key = models.CharField(max_length=80)
    choices = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "agent"],
                                               name="one_paper_entry_per_agent")]

    def __str__(self) -> str:
        return f"{self.sheet} — {self.agent_id}"


class Milestone(models.Model):
    """A dated step of the works of a winning project (public timeline)."""

    project = models.ForeignKey(BudgetProject, on_delete=models.CASCADE,
                                related_name="milestones")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.title


class CensusEntry(models.Model):
    """One line of the census or electoral list uploaded by the city (eligibility check)."""

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budget_census")
    identity_key = models.CharField(max_length=80)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT,
                             verbose_name=_("neighbourhood"))
    address = models.TextField(_("postal address"), blank=True)
    line = models.PositiveIntegerField(_("line of the file"))

    class Meta:
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["component", "identity_key"],
                                               name="one_census_entry_per_person")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def voter_key(self) -> str:
        return f"census:{self.pk}"


class VotingCode(models.Model):
    """A one-time code to vote without an account (letter or desk); only its hash is stored.

    Its holder may cast one ballot per budget open to ``area`` (one in all under the "any one
    budget" rule): ``VoterRecord`` (unique per budget and voter key) is the constraint, this
    row is locked while a ballot is cast. Nothing links a code to a ballot (ADR 0004).
    """

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        DESK = "desk", _("desk")
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budget_voting_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT,
                             verbose_name=_("neighbourhood"))
    census_entry = models.OneToOneField(CensusEntry, on_delete=models.CASCADE, null=True,
                                        blank=True, related_name="voting_code")
    #: without a census list, the hash of the name and date of birth checked at the desk
    identity_key = models.CharField(max_length=80, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    issued_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.pk}"

    @property
    def voter_key(self) -> str:
        """The holder in the lists of who voted: their census line, else their identity as
        checked at the desk (as for an agent's vote), so that a second code is no second
        vote."""
        if self.census_entry_id:
            return f"census:{self.census_entry_id}"
        return self.identity_key or f"code:{self.pk}"


class ProjectPhoto(models.Model):
    """A photo of a project (re-encoded without metadata), shown with its text alternative."""

    project = models.ForeignKey(BudgetProject, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="budgets/%Y/%m/")
    alt_text = models.CharField(_("description of the photo (for blind people)"),
                                max_length=250)
    size = models.PositiveIntegerField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.alt_text


class ProjectFollower(models.Model):
    """A person who follows a project (its authors follow it too): they get its news."""

    project = models.ForeignKey(BudgetProject, on_delete=models.CASCADE,
                                related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="followed_budget_projects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"],
                                               name="one_follow_per_project")]

    def __str__(self) -> str:
        return f"{self.project_id} — {self.user_id}"


class CodeDestination(models.Model):
    """An e-mail address or mobile number codes were asked for (by its hash): the row locked
    while a request is counted against the per-destination limit, and, without a census list,
    the voter (one destination, one voter)."""

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budget_code_destinations")
    key = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["component", "key"],
                                               name="one_code_destination_per_key")]

    def __str__(self) -> str:
        return self.key


class CodeRequest(models.Model):
    """A voting code asked for by e-mail or SMS. The Celery task that sends it draws the code
    itself (the clear code is never stored nor queued) and installs its hash only once the
    message is handed to the mail server or the SMS gateway."""

    class Medium(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Outcome(models.TextChoices):
        CODE = "code", _("a code")
        DECLINED = "declined", _("no code (person not found or not allowed)")

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be sent")

    component = models.ForeignKey("spaces.Component", on_delete=models.CASCADE,
                                  related_name="budget_code_requests")
    medium = models.CharField(max_length=5, choices=Medium.choices)
    #: the clear address or number, kept only until the message is sent (or given up)
    destination = models.CharField(max_length=254, blank=True)
    target = models.ForeignKey(CodeDestination, on_delete=models.CASCADE,
                               related_name="requests")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    census_entry = models.ForeignKey(CensusEntry, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="code_requests")
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, null=True,
                             blank=True)
    language = models.CharField(max_length=10, default="fr")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.medium} {self.pk} ({self.status})"
