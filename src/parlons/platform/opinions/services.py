"""Writes of the opinions component: votes, statements, moderation, map recomputes."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.platform.opinions import rules
from parlons.platform.opinions.models import OpinionMap, Participant, Statement, Vote
from parlons.platform.opinions.selectors import component_settings
from parlons.platform.spaces.models import Component

VOTE_VALUES = {"agree": Vote.Value.AGREE, "disagree": Vote.Value.DISAGREE,
               "pass": Vote.Value.PASS}
MAX_STATEMENT_LENGTH = 280


class OpinionsError(ValueError):
    """Bad input from a participant or an organiser (the message is shown to them)."""


def _check_kind(component: Component) -> None:
    if component.kind != "opinions":
        raise PermissionDenied


def participant_for(component: Component, *, user=None, browser_id: str | None = None
                    ) -> Participant:
    """The participant of this user (or browser) in the component, created on first use."""
    if user is not None and getattr(user, "is_authenticated", False):
        lookup = {"user": user}
    elif browser_id:
        lookup = {"browser_id": browser_id}
    else:
        raise PermissionDenied
    try:
        participant, _created = Participant.objects.get_or_create(component=component, **lookup)
    except IntegrityError:  # created at the same time by another request
        participant = Participant.objects.get(component=component, **lookup)
    return participant


def cast_vote(*, actor, component: Component, participant: Participant, statement_id,
              value: str, qualification: str = "") -> tuple[Vote, bool]:
    """Record (or replace) the participant's vote. Concurrent submissions update one row."""
    _check_kind(component)
    if not rules.can_participate(actor, component, "vote"):
        raise PermissionDenied
    if participant.component_id != component.pk:
        raise PermissionDenied
    if value not in VOTE_VALUES:
        raise OpinionsError(_("Unknown vote: choose agree, disagree or pass."))
    qualification = qualification or ""
    if qualification not in Vote.Qualification.values:
        raise OpinionsError(_("Unknown qualification."))
    if qualification and (value != "agree"
                          or not component_settings(component)["qualifications"]):
        qualification = ""
    try:
        statement_pk = int(statement_id)
    except (TypeError, ValueError):
        raise OpinionsError(_("Unknown statement.")) from None
    with transaction.atomic():
        statement = Statement.objects.filter(component=component, pk=statement_pk,
                                             state=Statement.State.ACCEPTED).first()
        if statement is None:
            raise OpinionsError(_("Unknown statement."))
        vote, created = Vote.objects.update_or_create(
            participant=participant, statement=statement,
            defaults={"value": VOTE_VALUES[value], "qualification": qualification},
            create_defaults={"value": VOTE_VALUES[value], "qualification": qualification,
                             "component": component})
        if created:
            transaction.on_commit(lambda: schedule_recompute_if_due(component))
    return vote, created


@transaction.atomic
def vote_as(*, actor, component: Component, browser_id: str | None, statement_id, value: str,
            qualification: str = "") -> tuple[Participant, Vote]:
    """Find or create the participant, then vote; bad input writes nothing at all."""
    participant = participant_for(component, user=actor, browser_id=browser_id)
    vote, _created = cast_vote(actor=actor, component=component, participant=participant,
                               statement_id=statement_id, value=value,
                               qualification=qualification)
    return participant, vote


@transaction.atomic
def submit_as(*, actor, component: Component, browser_id: str | None, text: str) -> Statement:
    participant = participant_for(component, user=actor, browser_id=browser_id)
    return submit_statement(actor=actor, component=component, participant=participant,
                            text=text)


def schedule_recompute_if_due(component: Component) -> bool:
    """Enqueue a recompute when ``recompute_every`` votes were cast since the last map."""
    every = component_settings(component)["recompute_every"]
    last = Coalesce(Subquery(OpinionMap.objects.filter(component=component)
                             .values("last_vote_id")[:1]), Value(0))
    new_votes = Vote.objects.filter(component=component, pk__gt=last).count()
    if new_votes < every:
        return False
    # One enqueue per component at a time, even with many processes (shared cache).
    if not cache.add(f"parlons:opinions:recompute:{component.pk}", 1, timeout=30):
        return False
    _enqueue(component)
    return True


def _enqueue(component: Component) -> None:
    from parlons.platform.opinions.tasks import recompute_map

    recompute_map.delay(component.pk)


@transaction.atomic
def request_recompute(*, actor, component: Component) -> None:
    """An organiser or moderator asks for a fresh map now."""
    _check_kind(component)
    if not rules.can_moderate(actor, component):
        raise PermissionDenied
    transaction.on_commit(lambda: _enqueue(component))


def _clean_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise OpinionsError(_("The statement is empty."))
    if len(text) > MAX_STATEMENT_LENGTH:
        raise OpinionsError(_("A statement has at most %(n)d characters.")
                            % {"n": MAX_STATEMENT_LENGTH})
    return text


@transaction.atomic
def submit_statement(*, actor, component: Component, participant: Participant,
                     text: str) -> Statement:
    """A participant proposes a statement: shown once a moderator accepts it."""
    _check_kind(component)
    if (not rules.can_participate(actor, component, "submit_statement")
            or not component_settings(component)["submissions"]
            or participant.component_id != component.pk):
        raise PermissionDenied
    author = actor if getattr(actor, "is_authenticated", False) else None
    return Statement.objects.create(component=component, text=_clean_text(text), author=author,
                                    author_participant=participant,
                                    state=Statement.State.PENDING)


@transaction.atomic
def seed_statement(*, actor, component: Component, text: str, is_meta: bool = False
                   ) -> Statement:
    """Organisers add statements directly (accepted)."""
    _check_kind(component)
    if not rules.can_moderate(actor, component):
        raise PermissionDenied
    return Statement.objects.create(component=component, text=_clean_text(text), author=actor,
                                    is_seed=True, is_meta=is_meta,
                                    state=Statement.State.ACCEPTED, moderated_at=timezone.now())


@transaction.atomic
def moderate_statement(*, actor, component: Component, statement_id, accept: bool) -> Statement:
    _check_kind(component)
    if not rules.can_moderate(actor, component):
        raise PermissionDenied
    try:
        statement = Statement.objects.select_for_update().get(component=component,
                                                              pk=int(statement_id))
    except (Statement.DoesNotExist, TypeError, ValueError):
        raise OpinionsError(_("Unknown statement.")) from None
    statement.state = Statement.State.ACCEPTED if accept else Statement.State.REJECTED
    statement.moderated_at = timezone.now()
    statement.save(update_fields=["state", "moderated_at"])
    return statement


@transaction.atomic
def update_settings(*, actor, component: Component, anonymous: bool, recompute_every: int,
                    qualifications: bool, results_public: bool, submissions: bool) -> None:
    _check_kind(component)
    if not rules.can_manage(actor, component):
        raise PermissionDenied
    locked = Component.objects.select_for_update().get(pk=component.pk)
    locked.settings = {**(locked.settings or {}), "anonymous": anonymous,
                       "recompute_every": max(1, int(recompute_every)),
                       "qualifications": qualifications, "results_public": results_public,
                       "submissions": submissions}
    locked.save(update_fields=["settings"])
    component.settings = locked.settings
