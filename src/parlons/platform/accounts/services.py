"""Writes of the accounts app: sign-up, confirmation, profile, demographics, deletion."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from parlons.platform.accounts import personal_data
from parlons.platform.accounts.emails import queue_email, render_email
from parlons.platform.accounts.models import DemographicProfile, User
from parlons.platform.accounts.pseudonyms import generate_pseudonym
from parlons.platform.accounts.selectors import active_user_by_email
from parlons.platform.accounts.tokens import make_confirmation_token, read_confirmation_token

DELETED_EMAIL_DOMAIN = "deleted.invalid"


def _link(base_url: str, name: str, *args) -> str:
    return base_url.rstrip("/") + reverse(name, args=args)


def _send_confirmation(user: User, base_url: str, site_name: str) -> None:
    link = _link(base_url, "accounts:confirm_email", make_confirmation_token(user))
    queue_email(user.email, "confirm", {"user": user, "link": link, "site_name": site_name},
                user.language)


@transaction.atomic
def sign_up(*, email: str, password: str, display_name: str, language: str, base_url: str,
            site_name: str) -> User | None:
    """Create an unconfirmed account and e-mail its confirmation link.

    When the address already has an account, nothing is created and its owner is told by e-mail
    (or, if not yet confirmed, gets the confirmation link again): the caller answers the same way
    in both cases, so sign-up reveals nothing about who has an account. Returns the new account,
    or None when none was created (callers must not show the difference).
    """
    email = get_user_model().objects.normalize_email(email).strip().lower()
    existing = get_user_model().objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                return _create_account(email, password, display_name, language, base_url,
                                       site_name)
        except IntegrityError:  # created concurrently with the same address
            existing = get_user_model().objects.filter(email__iexact=email).first()
    # Same hashing work as for a new account: no timing oracle.
    User().set_password(password)
    if existing is None or existing.is_deleted:
        return None
    if existing.email_confirmed_at is None:
        _send_confirmation(existing, base_url, site_name)
    else:
        queue_email(existing.email, "signup_attempt",
                    {"user": existing, "site_name": site_name,
                     "login_link": _link(base_url, "accounts:login"),
                     "reset_link": _link(base_url, "accounts:password_reset")},
                    existing.language)
    return None


def _create_account(email, password, display_name, language, base_url, site_name) -> User:
    user = get_user_model().objects.create_user(
        email=email, password=password, display_name=display_name or generate_pseudonym(),
        language=language)
    _send_confirmation(user, base_url, site_name)
    return user


@transaction.atomic
def confirm_email(token: str) -> User | None:
    """Confirm the address carried by a valid confirmation token; None if invalid or expired."""
    data = read_confirmation_token(token)
    if data is None:
        return None
    user_id, email = data
    user = (get_user_model().objects.select_for_update()
            .filter(pk=user_id, email=email, deleted_at__isnull=True).first())
    if user is None:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


@transaction.atomic
def request_password_reset(*, email: str, base_url: str, site_name: str) -> None:
    """E-mail a reset link if ``email`` has an account; do the same work otherwise."""
    user = active_user_by_email(email)
    if user is None:
        # Render a message anyway so that both answers take about the same time.
        render_email("password_reset", {"user": None, "link": base_url, "site_name": site_name},
                     "en")
        return
    link = _link(base_url, "accounts:password_reset_confirm",
                 urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user))
    queue_email(user.email, "password_reset", {"user": user, "link": link, "site_name": site_name},
                user.language)


@transaction.atomic
def set_new_password(user: User, password: str) -> User:
    """Set a new password from a reset link; the link also proves the address is the person's."""
    user.set_password(password)
    fields = ["password"]
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        fields.append("email_confirmed_at")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def update_profile(user: User, *, display_name: str, language: str) -> User:
    user.display_name = display_name
    user.language = language
    user.save(update_fields=["display_name", "language"])
    return user


@transaction.atomic
def save_demographics(user: User, organisation, **answers) -> DemographicProfile:
    """Record the consented answers of ``user`` for ``organisation`` (consent renewed now)."""
    allowed = {"birth_year", "gender", "postal_code", "area", "socio_professional_category"}
    unknown = set(answers) - allowed
    if unknown:
        raise ValueError(f"Unknown demographic fields: {sorted(unknown)}")
    if answers.get("area") is not None and answers["area"].organisation_id != organisation.pk:
        raise ValueError("The neighbourhood belongs to another organisation.")
    profile, _created = DemographicProfile.objects.update_or_create(
        user=user, organisation=organisation,
        defaults={**answers, "consent_given_at": timezone.now()})
    return profile


@transaction.atomic
def withdraw_demographics(user: User, organisation) -> bool:
    """Withdrawing consent deletes the answers. True if there were any."""
    deleted, _detail = DemographicProfile.objects.filter(user=user,
                                                         organisation=organisation).delete()
    return bool(deleted)


@transaction.atomic
def delete_account(user: User) -> None:
    """Anonymise the account: what the person wrote stays, signed "deleted participant"; the
    personal data (address, name, password, demographics, roles) goes."""
    from parlons.platform.organisations.models import OrganisationRole

    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_deleted:
        return
    personal_data.anonymise_all(user)
    DemographicProfile.objects.filter(user=user).delete()
    OrganisationRole.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"deleted-{uuid.uuid4().hex}@{DELETED_EMAIL_DOMAIN}"
    user.display_name = ""
    user.last_login = None
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.save()
