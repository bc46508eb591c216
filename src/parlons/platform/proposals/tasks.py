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


# A phase that started longer ago than this is not announced any more (e.g. the first run of
# the task on an existing installation); a forced phase is announced whatever its dates.
PHASE_ANNOUNCEMENT_DAYS = 3


@shared_task
def announce_new_phases() -> int:
    """Periodic (every 15 minutes): notify the followers of every published process whose
    current phase was not announced yet. Idempotent: ``services.announce_phase`` keeps a
    sent-marker per phase under a unique constraint. Returns the number of people notified."""
    import datetime as dt

    from parlons.platform.proposals import services
    from parlons.platform.proposals.models import PhaseAnnouncement
    from parlons.platform.spaces.models import Space, SpaceKind
    from parlons.platform.spaces.selectors import current_phase

    today = timezone.localdate()
    oldest = today - dt.timedelta(days=PHASE_ANNOUNCEMENT_DAYS)
    announced = set(PhaseAnnouncement.objects.values_list("phase_id", flat=True))
    spaces = (Space.objects.filter(kind=SpaceKind.PROCESS, is_published=True)
              .select_related("organisation", "forced_phase").prefetch_related("phases"))
    sent = 0
    for space in spaces:
        phase = current_phase(space, today)
        if phase is None or phase.pk in announced:
            continue
        if space.forced_phase_id != phase.pk and phase.start_date < oldest:
            continue
        phase.space = space
        sent += services.announce_phase(phase)
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
