"""Citizens' assemblies drawn by lot: recruitment, volunteers, quotas, draws, panel, sessions.

An assembly is a component (type ``assembly``) of a space; its tables hang off ``Assembly``.
Volunteers' personal data (name, contact, address) is visible only to the organisers and wiped
on ``Assembly.data_retention_until``; their consented demographic answers stay, anonymous.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ALGORITHMS = (("leximin", _("leximin (fairest, recommended)")), ("maximin", _("maximin")),
              ("nash", _("Nash welfare")), ("legacy", _("legacy greedy method")))


class Assembly(models.Model):
    component = models.OneToOneField("spaces.Component", on_delete=models.CASCADE,
                                     related_name="assembly")
    panel_size = models.PositiveSmallIntegerField(_("panel size"), default=30)
    algorithm = models.CharField(_("selection algorithm"), max_length=10, choices=ALGORITHMS,
                                 default="leximin")
    quota_tolerance = models.PositiveSmallIntegerField(
        _("quota tolerance (seats)"), default=0,
        help_text=_("Seats allowed on either side of each value's share of the panel."))
    registration_open = models.BooleanField(_("registration open"), default=True)
    data_retention_until = models.DateField(
        _("personal data kept until"), null=True, blank=True,
        help_text=_("On this date the volunteers' names, contacts and addresses are deleted."))
    data_purged_at = models.DateTimeField(null=True, blank=True)
    simulation = models.JSONField(default=dict, blank=True)
    task_message = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = _("citizens' assembly")
        verbose_name_plural = _("citizens' assemblies")

    def __str__(self) -> str:
        return self.component.title


class LetterBatch(models.Model):
    """One random draw of who receives an invitation (recorded seed, reproducible)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="batches")
    seed = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.size} ({self.seed})"


class Recipient(models.Model):
    """An address or a phone number of the recruitment campaign; invited ones get a code."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("postal address")
        PHONE = "phone", _("phone number")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    batch = models.ForeignKey(LetterBatch, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="recipients")
    code = models.CharField(max_length=20, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "phone"], name="unique_recipient_phone",
                                    condition=~models.Q(phone="")),
        ]

    def __str__(self) -> str:
        return self.code or self.phone or self.address


class Feature(models.Model):
    """A stratification criterion (sex, age band, neighbourhood...) and its question."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="features")
    name = models.CharField(_("criterion"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["assembly", "name"],
                                               name="unique_assembly_feature")]

    def __str__(self) -> str:
        return self.name


class FeatureValue(models.Model):
    """One value of a criterion, its share of the target population and the panel's bounds."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=100)
    share = models.DecimalField(_("share of the population (%)"), max_digits=6,
                                decimal_places=3, default=0)
    min = models.PositiveSmallIntegerField(default=0)
    max = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["feature", "value"], name="unique_feature_value"),
            models.CheckConstraint(condition=models.Q(min__lte=models.F("max")),
                                   name="feature_value_bounds_ordered"),
        ]

    def __str__(self) -> str:
        return self.value


class Draw(models.Model):
    """A public draw (round 1) or a replacement round, with its recorded seed and audit report."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="draws")
    round = models.PositiveSmallIntegerField()
    seed = models.CharField(_("seed"), max_length=200)
    algorithm = models.CharField(max_length=10)
    seats = models.PositiveSmallIntegerField()
    min_probability = models.FloatField()
    report = models.JSONField()
    report_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")

    class Meta:
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["assembly", "round"],
                                               name="unique_draw_round")]

    def __str__(self) -> str:
        return f"{self.assembly} — {self.round}"


class Volunteer(models.Model):
    """A person who registered with an invitation code (one registration per code)."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        PHONE = "phone", _("by phone, through an agent")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        SELECTED = "selected", _("selected, awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="volunteers")
    recipient = models.OneToOneField(Recipient, on_delete=models.CASCADE,
                                     related_name="volunteer")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="assembly_registrations")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    answers = models.JSONField(default=dict)
    consent_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    draw = models.ForeignKey(Draw, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="selected")
    created_at = models.DateTimeField(auto_now_add=True)
    personal_data_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.draw_id_text

    @property
    def draw_id_text(self) -> str:
        """The id given to the sortition core (stable, sorts like the registration order)."""
        return f"v{self.pk:07d}"


class PanelSession(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(PanelSession, on_delete=models.CASCADE,
                                related_name="attendance")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "volunteer"],
                                               name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.session} — {self.volunteer}"
