"""People: one account per person across the platform; consented demographics per organisation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DELETED_DISPLAY_NAME = _("deleted participant")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_confirmed_at", timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    # Stored lower-cased by every service, so that uniqueness is case-insensitive.
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    display_name = models.CharField(_("public name"), max_length=60)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")),
                                   name="user_email_lower_case"),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return str(DELETED_DISPLAY_NAME) if self.deleted_at else self.display_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class DemographicProfile(models.Model):
    """Optional, consented answers that feed representativeness analyses.

    Kept apart from the public profile and per organisation: consent is given to one organisation.
    """

    class Gender(models.TextChoices):
        WOMAN = "woman", _("woman")
        MAN = "man", _("man")
        OTHER = "other", _("other")
        UNSAID = "unsaid", _("prefer not to say")

    class Category(models.TextChoices):
        # INSEE's "PCS 2020" groups
        FARMER = "1", _("farmers")
        SELF_EMPLOYED = "2", _("craftspeople, shopkeepers, business owners")
        EXECUTIVE = "3", _("executives and higher intellectual professions")
        INTERMEDIATE = "4", _("intermediate professions")
        EMPLOYEE = "5", _("employees")
        WORKER = "6", _("manual workers")
        RETIRED = "7", _("retired")
        OTHER = "8", _("other people without professional activity (students...)")
        UNSAID = "0", _("prefer not to say")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="demographic_profiles")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="demographic_profiles")
    consent_given_at = models.DateTimeField(_("consent given at"))
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    area = models.ForeignKey("organisations.Area", on_delete=models.SET_NULL, null=True,
                             blank=True, verbose_name=_("neighbourhood"))
    socio_professional_category = models.CharField(
        _("socio-professional category"), max_length=2, choices=Category.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demographic profile")
        verbose_name_plural = _("demographic profiles")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"],
                                    name="one_demographic_profile_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
