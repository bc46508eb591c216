"""Participatory spaces (processes with phases, permanent bodies), phases and components."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SpaceKind(models.TextChoices):
    PROCESS = "process", _("participatory process")
    BODY = "body", _("permanent body")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("private (invited members only)")


class Space(models.Model):
    """A place where participation happens. Its ``kind`` says which features apply:
    processes have phases; bodies have members with terms. Later kinds (citizens' assembly,
    research project) add a kind and, if needed, a one-to-one table of their own."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="spaces")
    kind = models.CharField(_("kind"), max_length=20, choices=SpaceKind.choices,
                            default=SpaceKind.PROCESS)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("image"), upload_to="spaces/", blank=True)
    image_alt = models.CharField(_("image text alternative"), max_length=200, blank=True)
    themes = models.ManyToManyField("organisations.Theme", blank=True, verbose_name=_("themes"))
    areas = models.ManyToManyField("organisations.Area", blank=True, verbose_name=_("areas"))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    is_published = models.BooleanField(_("published"), default=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    forced_phase = models.ForeignKey("Phase", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("current phase (forced)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("participatory space")
        verbose_name_plural = _("participatory spaces")
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unique_space_slug"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="space_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_phases(self) -> bool:
        return self.kind == SpaceKind.PROCESS


class Phase(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    call_to_action = models.CharField(_("call to action"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["position", "start_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="phase_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class SpaceRole(models.Model):
    """A person's role in one space: process admin, moderator, evaluator, or member.

    Members of a permanent body have a term and an optional title (e.g. "présidente")."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("space admin")
        MODERATOR = "moderator", _("moderator")
        EVALUATOR = "evaluator", _("evaluator (city services)")
        MEMBER = "member", _("member")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="space_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("title in the body"), max_length=120, blank=True)
    term_start = models.DateField(_("start of term"), null=True, blank=True)
    term_end = models.DateField(_("end of term"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("space role")
        verbose_name_plural = _("space roles")
        constraints = [
            models.UniqueConstraint(fields=["space", "user", "role"], name="unique_space_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Component(models.Model):
    """A participation module placed in a space (page, proposals, budget, survey...).

    ``kind`` names a type registered in ``spaces.registry``; what participants may do is
    declared per phase in ``ComponentStep`` (or in ``default_actions`` for spaces without phases).
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    default_actions = models.JSONField(_("allowed actions"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class ComponentStep(models.Model):
    """The actions participants may take in a component during one phase."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="steps")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="component_steps")
    actions = models.JSONField(_("allowed actions"), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "phase"], name="unique_component_step"),
        ]

    def __str__(self) -> str:
        return f"{self.component} — {self.phase}"
