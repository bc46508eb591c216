"""E-mails to people: rendered in their language, sent by a Celery task after the commit."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from parlons.platform.accounts.tasks import send_email


def render_email(template: str, context: dict, language: str) -> tuple[str, str]:
    """Subject and body of ``accounts/email/<template>_subject.txt`` / ``_body.txt``."""
    with translation.override(language):
        subject = " ".join(
            render_to_string(f"accounts/email/{template}_subject.txt", context).split())
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    return subject, body


def queue_email(to: str, template: str, context: dict, language: str) -> None:
    """Render an e-mail and queue its sending once the current transaction commits (nothing is
    sent if it rolls back)."""
    subject, body = render_email(template, context, language)
    transaction.on_commit(lambda: send_email.delay([to], subject, body))
