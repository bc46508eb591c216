"""Background tasks of the accounts app."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=5,
             acks_late=True)
def send_email(to: list[str], subject: str, body: str, reply_to: list[str] | None = None) -> int:
    """Send one plain-text e-mail already rendered in the recipient's language."""
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=list(to), reply_to=reply_to or None)
    return message.send()
