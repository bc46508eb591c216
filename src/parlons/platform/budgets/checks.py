"""Deployment checks (``parlons manage check --deploy``): one-time voting codes must not end up
in the logs of a production server."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def codes_are_really_sent(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when e-mails or SMS (voting codes among them) would only be written to the log."""
    from parlons.platform.budgets import sms

    if settings.DEBUG:
        return []
    found = []
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        found.append(Warning(
            "E-mails (account confirmations, voting codes) are written to the console log.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
            id="parlons.W001"))
    if sms.backend_name() == "console":
        found.append(Warning(
            "SMS (voting codes) are written to the log instead of being sent.",
            hint="Set PARLONS_SMS_BACKEND=http and PARLONS_SMS_URL, or off (no codes by SMS).",
            id="parlons.W002"))
    return found
