"""Organisations (tenants): a city, an intercommunality, a natural park, a consultancy."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class AccessibilityStatus(models.TextChoices):
    FULL = "full", _("fully compliant")
    PARTIAL = "partial", _("partially compliant")
    NONE = "none", _("not compliant")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    domain = models.CharField(
        _("domain"), max_length=253, unique=True, null=True, blank=True,
        help_text=_("Host name this organisation is served on, e.g. participer.ville.fr."),
    )
    is_default = models.BooleanField(_("default organisation"), default=False)
    logo = models.ImageField(_("logo"), upload_to="organisations/logos/", blank=True)
    logo_alt = models.CharField(_("logo text alternative"), max_length=200, blank=True)
    primary_colour = models.CharField(_("primary colour"), max_length=7, default="#1d4f91",
                                      validators=[hex_colour])
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#a3195b",
                                     validators=[hex_colour])
    enabled_languages = models.JSONField(_("enabled languages"), default=list)
    description = models.TextField(_("description"), blank=True)
    legal_notice = models.TextField(_("legal notice"), blank=True)
    privacy_policy = models.TextField(_("privacy policy"), blank=True)
    terms_of_use = models.TextField(_("terms of use"), blank=True)
    accessibility_status = models.CharField(
        _("accessibility compliance"), max_length=10, choices=AccessibilityStatus.choices,
        default=AccessibilityStatus.PARTIAL,
    )
    accessibility_audit_date = models.DateField(_("date of the accessibility audit"), null=True,
                                                blank=True)
    accessibility_declaration = models.TextField(_("accessibility declaration"), blank=True)
    accessibility_derogations = models.TextField(_("derogations and non-accessible content"),
                                                 blank=True)
    accessibility_plan = models.TextField(_("multi-year accessibility plan"), blank=True)
    accessibility_contact = models.EmailField(_("accessibility contact e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="one_default_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def languages(self) -> list[str]:
        codes = [code for code, _name in settings.LANGUAGES]
        chosen = [code for code in (self.enabled_languages or []) if code in codes]
        return chosen or codes


class OrganisationRole(models.Model):
    """A staff role of a person in an organisation (citizens need no role)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("organisation admin")
        MODERATOR = "moderator", _("moderator")
        EVALUATOR = "evaluator", _("evaluator (city services)")
        AGENT = "agent", _("agent")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="organisation_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation role")
        verbose_name_plural = _("organisation roles")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user", "role"],
                                    name="unique_organisation_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


class Area(models.Model):
    """A neighbourhood, district or commune of the organisation's territory."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"],
                                               name="unique_area_slug")]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"],
                                               name="unique_theme_slug")]

    def __str__(self) -> str:
        return self.name
