"""Background tasks: notification e-mails (immediate and daily digest)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parlons.platform.accounts.tasks import send_email

UNSUBSCRIBE_SALT = "parlons.proposals.unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def _footer(user) -> str:
    base = getattr(settings, "PARLONS_BASE_URL", "")
    url = base + reverse("proposals:unsubscribe", args=[unsubscribe_token(user)])
    return "\n\n-- \n" + _("Stop these e-mails in one click: %(url)s") % {"url": url}


@shared_task
def email_notification(notification_id: int) -> bool:
    """E-mail one notification to a person who wants them immediately (once)."""
    from parlons.platform.proposals.models import Notification

    updated = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now())
    if not updated:
        return False
    notification = Notification.objects.select_related("user", "organisation").get(
        pk=notification_id)
    user = notification.user
    if user.is_deleted or not user.email:
        return False
    with translation.override(user.language or "fr"):
        subject = _("%(organisation)s: a new notification") % {
            "organisation": notification.organisation.name}
        body = notification.text + _footer(user)
    send_email.delay([user.email], subject, body)
    return True


@shared_task
def send_daily_digests() -> int:
    """One e-mail per person with the day's notifications (people who chose the digest)."""
    from parlons.platform.proposals.models import Notification, NotificationSettings

    people = NotificationSettings.objects.filter(
        email_frequency=NotificationSettings.Frequency.DAILY).values_list("user_id", flat=True)
    sent = 0
    for user_id in people:
        pending = list(Notification.objects.filter(user_id=user_id, emailed_at__isnull=True)
                       .select_related("user").order_by("created_at"))
        if not pending:
            continue
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now())
        user = pending[0].user
        if user.is_deleted:
            continue
        with translation.override(user.language or "fr"):
            subject = _("Your daily summary")
            body = "\n".join(f"- {n.text}" for n in pending) + _footer(user)
        send_email.delay([user.email], subject, body)
        sent += 1
    return sent


@shared_task
def regenerate_open_data(organisation_id: int | None = None) -> int:
    """Rewrite the open-data files of one organisation (or of all of them)."""
    from parlons.platform.organisations.models import Organisation
    from parlons.platform.proposals.exports import write_open_data

    organisations = Organisation.objects.all()
    if organisation_id is not None:
        organisations = organisations.filter(pk=organisation_id)
    return sum(len(write_open_data(org)) for org in organisations)
