"""One-time voting codes sent by e-mail or SMS (voting without an account).

A person asks on the public page ``?v=get-code``; :func:`request_code` records the request
(rate-limited per destination and, with the census list, per person, under row locks) and
queues :func:`parlons.platform.budgets.tasks.send_voting_code` with the request's id only.
The task calls :func:`deliver`, which draws the code, installs its hash and sends the message
in one transaction: a message that cannot be sent leaves no usable code (the transaction is
rolled back) and the request stays pending for the next try. The clear code exists only in
the worker's memory and in the message.

With the census list, the voter is the list's entry (``census:<id>``, as for letters, desks,
agents, paper ballots and matched accounts) and the page answers the same whether or not the
person is on the list; without it, the voter is the destination (one address or number, one
voter).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parlons.platform.budgets import census, rules, sms
from parlons.platform.budgets.models import (
    CensusEntry,
    CodeDestination,
    CodeRequest,
    VoterRecord,
    VotingCode,
)
from parlons.platform.spaces.models import Component

logger = logging.getLogger(__name__)

MEDIA = ("email", "sms")
#: codes asked for one destination (address or number) per hour
PER_DESTINATION_PER_HOUR = 3
#: codes asked for one person of the census list per hour (whatever the destinations)
PER_PERSON_PER_HOUR = 5
#: a request not sent after this long is given up (a code arriving a day late confuses)
GIVE_UP_AFTER = dt.timedelta(hours=24)


class DeliveryError(Exception):
    """The mail server or the SMS gateway refused the message (nothing was installed)."""


# --- settings of the component ---------------------------------------------------------------

def delivery_media(component: Component) -> list[str]:
    """The media (``email``, ``sms``) by which codes may be asked for."""
    current = component.settings or {}
    if not current.get("voting_codes"):
        return []
    return [m for m in MEDIA if current.get(f"code_{m}")]


def can_request(component: Component) -> bool:
    """The public page is open: codes accepted, vote open, at least one medium enabled."""
    return bool(delivery_media(component)) and rules.can_vote_with_code(component)


@transaction.atomic
def save_rules(*, actor, component: Component, eligibility: str, minimum_age: int,
               census: bool, voting_codes: bool, code_email: bool = False,
               code_sms: bool = False) -> Component:
    """The component's voting rules (``services.set_component_rules``) and the delivery media,
    all or nothing."""
    from parlons.platform.budgets import services

    component = services.set_component_rules(
        actor=actor, component=component, eligibility=eligibility, minimum_age=minimum_age,
        census=census, voting_codes=voting_codes)
    return set_delivery(actor=actor, component=component, email=code_email, sms=code_sms)


@transaction.atomic
def _sms_gateway_configured() -> bool:
    return sms.configured()


def set_delivery(*, actor, component: Component, email: bool, sms: bool) -> Component:
    """Allow codes by e-mail and/or SMS. Switching a medium off is always possible (e.g. the
    gateway fails or costs too much); switching one on is refused once the vote has opened,
    since it changes who may vote without an account."""
    if component.kind != "budget" or not rules.can_configure(actor, component):
        raise PermissionDenied
    component = Component.objects.select_for_update().get(pk=component.pk)
    current = component.settings or {}
    wanted = {"code_email": bool(email), "code_sms": bool(sms)}
    if any(wanted.values()) and not current.get("voting_codes"):
        raise ValidationError(_("Sending codes by e-mail or SMS needs one-time voting codes to "
                                "be accepted."))
    if wanted["code_sms"] and not current.get("code_sms") and not _sms_gateway_configured():
        raise ValidationError(_("No SMS gateway is configured on this server: ask its "
                                "administrator (setting PARLONS_SMS_BACKEND)."))
    switched_on = any(v and not current.get(k) for k, v in wanted.items())
    if switched_on and (rules.vote_is_open(component) or component.budgets.filter(
            frozen_at__isnull=False).exists()):
        raise ValidationError(_("Codes by e-mail or SMS cannot be switched on once the vote "
                                "has opened (they can be switched off)."))
    if any(bool(current.get(k)) != v for k, v in wanted.items()):
        component.settings = {**current, **wanted}
        component.save(update_fields=["settings"])
    return component


# --- destinations ----------------------------------------------------------------------------

def normalise_phone(raw: str) -> str:
    """A French mobile number (06/07, +33 6/7, 0033 6/7, with spaces, dots or dashes) in
    E.164 (+33612345678); a clear error for anything else."""
    text = (raw or "").strip()
    if re.search(r"[^\d\s.\-+()/]", text):
        raise ValidationError(_("Write the mobile number with digits only, e.g. "
                                "06 12 34 56 78."))
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    if text.startswith("+"):
        national = "0" + digits[2:].removeprefix("0") if digits.startswith("33") else None
    elif digits.startswith("0033"):
        national = "0" + digits[4:].removeprefix("0")
    else:
        national = digits
    if national is None:
        raise ValidationError(_("Only French mobile numbers (+33) can receive a code."))
    if len(national) != 10 or not national.startswith("0"):
        raise ValidationError(_("A French mobile number has 10 digits, e.g. 06 12 34 56 78."))
    if national[1] not in "67":
        raise ValidationError(_("This is not a mobile number: codes are sent by SMS to "
                                "numbers starting with 06 or 07."))
    return "+33" + national[1:]


def normalise_email(raw: str) -> str:
    address = (raw or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(_("Enter a valid e-mail address, e.g. "
                                "prenom.nom@example.org.")) from None
    return address


def parse_destination(component: Component, raw: str) -> tuple[str, str]:
    """``(medium, normalised destination)`` from what the person typed: an address with an @
    is an e-mail, anything else a mobile number; the medium must be enabled."""
    media = delivery_media(component)
    medium = "email" if "@" in (raw or "") else "sms"
    if medium not in media:
        raise ValidationError(_("Codes are sent by e-mail only: give an e-mail address.")
                              if medium == "sms" else
                              _("Codes are sent by SMS only: give a mobile number."))
    return medium, (normalise_email(raw) if medium == "email" else normalise_phone(raw))


def destination_key(destination: str) -> str:
    """The destination's key (and, without a census list, its voter key)."""
    return "dest:" + hashlib.sha256(("parlons-code-destination:" + destination)
                                    .encode()).hexdigest()[:40]


def mask(destination: str) -> str:
    """What the confirmation page shows: l…@example.org, +33 6 •• •• •• 78."""
    if "@" in destination:
        local, _at, domain = destination.partition("@")
        return f"{local[:1]}…@{domain}"
    return f"0{destination[3]} •• •• •• {destination[-2:]}"


# --- requests --------------------------------------------------------------------------------

def _recent(queryset) -> int:
    return queryset.filter(created_at__gte=timezone.now() - dt.timedelta(hours=1)).count()


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@transaction.atomic
def request_code(*, component: Component, destination: str, first_name: str = "",
                 last_name: str = "", birth_date: dt.date | None = None, area=None
                 ) -> CodeRequest:
    """Record a request for a code and queue its sending (after commit).

    With the census list, the names and date of birth must match one entry of age: otherwise
    the request is recorded as *declined* and the message says that no code could be issued,
    so that the page answers the same in both cases. Without it, the neighbourhood is declared
    and the minimum age checked here (clear errors).
    """
    from parlons.platform.budgets import services, tasks

    if not can_request(component):
        raise PermissionDenied
    medium, destination = parse_destination(component, destination)
    if birth_date is None:
        raise ValidationError(_("Give the date of birth."))
    with_census = bool((component.settings or {}).get("census"))
    if with_census:
        today = timezone.localdate()
        if birth_date > today or services.age_on(birth_date, today) > 130:
            raise ValidationError(_("Invalid date of birth."))
    else:
        services.check_age(component, birth_date)
        if area is None or area.organisation_id != component.space.organisation_id:
            raise ValidationError(_("Choose the neighbourhood where you live."))
    key = destination_key(destination)
    target, _c = CodeDestination.objects.get_or_create(component=component, key=key)
    target = CodeDestination.objects.select_for_update().get(pk=target.pk)
    if _recent(target.requests) >= _limit("PARLONS_CODES_PER_DESTINATION_PER_HOUR",
                                          PER_DESTINATION_PER_HOUR):
        raise ValidationError(_("Too many codes were asked for this address or number: try "
                                "again in an hour."))
    outcome, entry = CodeRequest.Outcome.CODE, None
    if with_census:
        entry, area = _census_person(component, first_name, last_name, birth_date)
        if entry is None:
            outcome = CodeRequest.Outcome.DECLINED
    else:
        _check_area_unchanged(component, key, area)
    request = CodeRequest.objects.create(
        component=component, medium=medium, destination=destination, target=target,
        outcome=outcome, census_entry=entry, area=area,
        language=(translation.get_language() or "fr")[:10])
    transaction.on_commit(lambda: tasks.send_voting_code.delay(request.pk), robust=True)
    return request


def _census_person(component: Component, first_name: str, last_name: str,
                   birth_date: dt.date) -> tuple[CensusEntry | None, object]:
    """The entry a code may be sent for (locked), or ``(None, None)``: not on the list, too
    young, or too many codes asked for this person in the last hour."""
    from parlons.platform.budgets import services

    found = CensusEntry.objects.filter(
        component=component, identity_key=census.census_key(first_name, last_name,
                                                            birth_date)).first()
    if found is None:
        return None, None
    entry = CensusEntry.objects.select_for_update().select_related("area").get(pk=found.pk)
    minimum = int((component.settings or {}).get("minimum_age", 0))
    if services.age_on(entry.birth_date, timezone.localdate()) < minimum:
        return None, None
    if _recent(entry.code_requests) >= _limit("PARLONS_CODES_PER_PERSON_PER_HOUR",
                                              PER_PERSON_PER_HOUR):
        return None, None
    return entry, entry.area


def _check_area_unchanged(component: Component, key: str, area) -> None:
    """Without the list, the neighbourhood of a destination that voted cannot change (else a
    second code would open a second neighbourhood's budget)."""
    code = VotingCode.objects.filter(component=component, identity_key=key).first()
    if code is not None and code.area_id != area.pk and VoterRecord.objects.filter(
            budget__component=component, voter_key=key).exists():
        raise ValidationError(_("A code was already sent to this address or number for "
                                "another neighbourhood, and it was used to vote: the "
                                "neighbourhood can no longer change."))


# --- delivery (run by the Celery task) -------------------------------------------------------

def deliver(request_id: int) -> str:
    """Send one request's message; returns the request's status.

    The request's row (and the person's: census entry or destination) stays locked while the
    code is drawn, its hash installed (replacing the person's previous code) and the message
    sent; if sending fails, everything is rolled back and :class:`DeliveryError` raised.
    """
    CodeRequest.objects.filter(pk=request_id, status=CodeRequest.Status.PENDING).update(
        attempts=F("attempts") + 1)
    with transaction.atomic():
        request = (CodeRequest.objects.select_for_update(of=("self",))
                   .select_related("component__space__organisation", "target")
                   .filter(pk=request_id).first())
        if request is None or request.status != CodeRequest.Status.PENDING:
            return request.status if request else "missing"
        if request.medium not in delivery_media(request.component) \
                or not rules.vote_is_open(request.component):
            _close(request, CodeRequest.Status.FAILED)  # switched off or closed meanwhile
            return request.status
        with translation.override(request.language or "fr"):
            if request.outcome == CodeRequest.Outcome.CODE:
                code = _install(request)
                subject, body, short = _code_message(request, code)
            else:
                subject, body, short = _declined_message(request)
            _send(request, subject, body, short)
        _close(request, CodeRequest.Status.SENT)
        return request.status


def give_up(request_id: int) -> None:
    """The last try failed: the request is closed and its destination forgotten."""
    with transaction.atomic():
        request = CodeRequest.objects.select_for_update().filter(
            pk=request_id, status=CodeRequest.Status.PENDING).first()
        if request is not None:
            _close(request, CodeRequest.Status.FAILED)


def stale_requests() -> list[int]:
    """Pending requests whose task was lost (queued 15 minutes ago or more, never tried) to
    queue again; those older than a day are given up."""
    now = timezone.now()
    pending = CodeRequest.objects.filter(status=CodeRequest.Status.PENDING)
    for pk in pending.filter(created_at__lt=now - GIVE_UP_AFTER).values_list("pk", flat=True):
        give_up(pk)
    return list(pending.filter(created_at__lt=now - dt.timedelta(minutes=15), attempts=0)
                .values_list("pk", flat=True))


def purge_old_requests(now=None) -> int:
    """Delete the records of code requests older than ``PARLONS_CODE_REQUESTS_KEPT_DAYS``
    (default 90), once sent or given up, and the hashed destinations left without any
    request. Nothing a vote needs is lost: the codes themselves (their hashes) and the list of
    who voted stay; the limits only look at the last hour. Returns the requests deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=_limit("PARLONS_CODE_REQUESTS_KEPT_DAYS", 90))
    old = CodeRequest.objects.filter(created_at__lt=cutoff).exclude(
        status=CodeRequest.Status.PENDING)
    with transaction.atomic():
        deleted = old.delete()[0]
        CodeDestination.objects.filter(requests__isnull=True).delete()
    return deleted


def _close(request: CodeRequest, status: str) -> None:
    request.status, request.destination = status, ""
    request.sent_at = timezone.now() if status == CodeRequest.Status.SENT else None
    request.save(update_fields=["status", "destination", "sent_at"])


def _install(request: CodeRequest) -> str:
    """Draw a code and make it the person's only valid one (hash stored, clear returned)."""
    component, today = request.component, timezone.localdate()
    code = census._new_code()
    fields = {"component": component, "code_hash": census.code_hash(code),
              "channel": request.medium, "issued_by": None, "issued_on": today}
    if request.census_entry_id:
        entry = CensusEntry.objects.select_for_update().select_related("area").get(
            pk=request.census_entry_id)
        VotingCode.objects.update_or_create(census_entry=entry,
                                            defaults={**fields, "area": entry.area})
        return code
    target = CodeDestination.objects.select_for_update().get(pk=request.target_id)
    updated = VotingCode.objects.filter(component=component, identity_key=target.key).update(
        **fields, area=request.area)
    if not updated:
        VotingCode.objects.create(identity_key=target.key, area=request.area, **fields)
    return code


def _code_message(request: CodeRequest, code: str) -> tuple[str, str, str]:
    component = request.component
    values = {"title": component.title, "organisation": component.space.organisation.name,
              "code": code, "url": census.vote_url(component)}
    subject = _("Your voting code — %(title)s") % values
    body = _("Hello,\n\nHere is your code to vote without an account in the participatory "
             "budget “%(title)s” of %(organisation)s:\n\n    %(code)s\n\nGo to %(url)s and "
             "type it. It lets you vote once in each budget open to you; a code sent to you "
             "before no longer works. Keep it secret: whoever has it can vote in your "
             "place.\n\nYour vote is secret: the code is not linked to your ballot.\n\nIf you "
             "did not ask for this code, ignore this message.\n") % values
    short = _("%(organisation)s, participatory budget: your voting code is %(code)s. Vote at "
              "%(url)s. Keep it secret.") % values
    return subject, body, short


def _declined_message(request: CodeRequest) -> tuple[str, str, str]:
    component = request.component
    values = {"title": component.title, "organisation": component.space.organisation.name}
    subject = _("Your voting code — %(title)s") % values
    body = _("Hello,\n\nNo voting code could be sent for the person described in your "
             "request for the participatory budget “%(title)s”: check the spelling of the "
             "names and the date of birth (as on the electoral list), or go to a desk of "
             "%(organisation)s.\n\nIf you did not ask for a code, ignore this message.\n") \
        % values
    short = _("%(organisation)s, participatory budget: no voting code could be sent for the "
              "person described. Check the names and date of birth, or go to a desk.") % values
    return subject, body, short


def _send(request: CodeRequest, subject: str, body: str, short: str) -> None:
    if request.medium == CodeRequest.Medium.EMAIL:
        try:
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[request.destination]).send()
        except (OSError, SMTPException) as error:
            raise DeliveryError(f"the mail server refused the message: "
                                f"{type(error).__name__}") from None
        return
    try:
        sms.get_backend().send(request.destination, short)
    except sms.SmsError as error:
        raise DeliveryError(str(error)) from None
