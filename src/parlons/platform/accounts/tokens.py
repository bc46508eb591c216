"""Signed tokens: e-mail confirmation links and the sign-up form's time trap."""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing

CONFIRMATION_SALT = "parlons.accounts.confirm-email"
TIME_TRAP_SALT = "parlons.accounts.signup-time-trap"
TIME_TRAP_MAX_AGE = 60 * 60 * 24


def confirmation_max_age() -> int:
    """How long a confirmation link stays valid, in seconds (default three days)."""
    return int(getattr(settings, "PARLONS_EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600))


def make_confirmation_token(user) -> str:
    """A token bound to the account and to its current e-mail address."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRMATION_SALT, compress=True)


def read_confirmation_token(token: str) -> tuple[int, str] | None:
    """``(user id, e-mail)`` of a valid, unexpired token, else None."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=confirmation_max_age())
        return int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def make_time_trap(now: float | None = None) -> str:
    return signing.dumps({"t": time.time() if now is None else now}, salt=TIME_TRAP_SALT)


def time_trap_age(token: str, now: float | None = None) -> float | None:
    """Seconds since the form carrying ``token`` was rendered, or None if forged or expired."""
    try:
        data = signing.loads(token, salt=TIME_TRAP_SALT, max_age=TIME_TRAP_MAX_AGE)
        rendered = float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    age = (time.time() if now is None else now) - rendered
    return age if 0 <= age <= TIME_TRAP_MAX_AGE else None
