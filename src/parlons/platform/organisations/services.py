"""Writes on organisations: settings, staff roles, areas and themes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parlons.platform.common.colours import contrast_ratio
from parlons.platform.common.html import sanitize_html
from parlons.platform.organisations import rules
from parlons.platform.organisations.models import Area, Organisation, OrganisationRole, Theme

MIN_CONTRAST = 4.5
SETTINGS_FIELDS = (
    "name", "logo", "logo_alt", "primary_colour", "accent_colour", "enabled_languages",
    "description", "legal_notice", "privacy_policy", "terms_of_use", "accessibility_status",
    "accessibility_audit_date", "accessibility_declaration", "accessibility_derogations",
    "accessibility_plan", "accessibility_contact",
)
RICH_TEXT_FIELDS = ("legal_notice", "privacy_policy", "terms_of_use", "accessibility_declaration",
                    "accessibility_derogations", "accessibility_plan")


def check_theme_contrast(primary: str, accent: str) -> None:
    """Both theme colours carry white text or sit on white: each needs 4.5:1 against white."""
    errors = {}
    for field, colour in (("primary_colour", primary), ("accent_colour", accent)):
        ratio = contrast_ratio(colour, "#ffffff")
        if ratio < MIN_CONTRAST:
            errors[field] = _(
                "This colour contrasts %(ratio).2f:1 with white; at least 4.5:1 is required "
                "for text to be readable (WCAG AA). Choose a darker colour."
            ) % {"ratio": ratio}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_settings(*, actor, organisation: Organisation, data: dict[str, Any]) -> Organisation:
    if not rules.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    for key, value in data.items():
        if key in SETTINGS_FIELDS:
            setattr(organisation, key, value)
    for key in RICH_TEXT_FIELDS:
        setattr(organisation, key, sanitize_html(getattr(organisation, key)))
    check_theme_contrast(organisation.primary_colour, organisation.accent_colour)
    if not organisation.enabled_languages or "fr" not in organisation.enabled_languages:
        raise ValidationError({"enabled_languages": _("French must stay enabled.")})
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def assign_role(*, actor, organisation: Organisation, user, role: str) -> OrganisationRole:
    if not rules.can_assign_organisation_roles(actor, organisation):
        raise PermissionDenied
    if role not in OrganisationRole.Role.values:
        raise ValidationError(_("Unknown role."))
    assignment, _created = OrganisationRole.objects.get_or_create(
        organisation=organisation, user=user, role=role)
    return assignment


@transaction.atomic
def remove_role(*, actor, assignment: OrganisationRole) -> None:
    organisation = assignment.organisation
    if not rules.can_assign_organisation_roles(actor, organisation):
        raise PermissionDenied
    if assignment.role == OrganisationRole.Role.ADMIN:
        admins = (OrganisationRole.objects.select_for_update()
                  .filter(organisation=organisation, role=OrganisationRole.Role.ADMIN))
        if admins.count() <= 1:
            raise ValidationError(_("The organisation must keep at least one admin."))
    assignment.delete()


def _create_named(model, *, actor, organisation: Organisation, name: str, **extra):
    if not rules.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("A name is required."))
    slug = slugify(name)[:80] or "x"
    try:
        with transaction.atomic():
            return model.objects.create(organisation=organisation, name=name, slug=slug, **extra)
    except IntegrityError as error:
        raise ValidationError(_("“%(name)s” already exists.") % {"name": name}) from error


def create_area(*, actor, organisation: Organisation, name: str,
                population: int | None = None) -> Area:
    return _create_named(Area, actor=actor, organisation=organisation, name=name,
                         population=population)


def create_theme(*, actor, organisation: Organisation, name: str) -> Theme:
    return _create_named(Theme, actor=actor, organisation=organisation, name=name)


@transaction.atomic
def delete_area_or_theme(*, actor, item: Area | Theme) -> None:
    if not rules.can_manage_organisation(actor, item.organisation):
        raise PermissionDenied
    item.delete()
