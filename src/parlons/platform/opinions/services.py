"""Writes of the opinions component: votes, statements, moderation, map recomputes."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
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


def _validate_vote(component: Component, statement_id, value: str,
                   qualification: str) -> tuple[int, int, str]:
    """(statement pk, vote value, qualification) from a participant's input, no query."""
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
    if not 0 < statement_pk < 2**63:
        raise OpinionsError(_("Unknown statement."))
    return statement_pk, int(VOTE_VALUES[value]), qualification


def _upsert_vote(component: Component, statement_pk: int, value: int, qualification: str,
                 who: tuple[str, object]) -> tuple[int, int] | None:
    """One statement: ``INSERT … SELECT … ON CONFLICT (participant, statement) DO UPDATE``.

    The SELECT joins the statement (accepted, of this component) and the participant
    (``who`` = ("id" | "user_id" | "browser_id", value), in this component), so that a bad
    statement or an unknown participant inserts nothing and returns None; otherwise
    (vote id, participant id). The unique constraint makes concurrent submissions of the same
    vote update one row (PostgreSQL and SQLite ≥ 3.35 both run it).
    """
    column = {"id": "id", "user_id": "user_id", "browser_id": "browser_id"}[who[0]]
    qn = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # Only identifiers from the models and a fixed column name go into the text; every
    # value is a bound parameter.
    sql = (f"INSERT INTO {qn(Vote._meta.db_table)} (component_id, participant_id, "  # noqa: S608
           "statement_id, value, qualification, created_at, updated_at) "
           "SELECT s.component_id, p.id, s.id, %s, %s, %s, %s "
           f"FROM {qn(Statement._meta.db_table)} s "
           f"INNER JOIN {qn(Participant._meta.db_table)} p ON p.component_id = s.component_id "
           f"WHERE s.id = %s AND s.component_id = %s AND s.state = %s AND p.{column} = %s "
           "ON CONFLICT (participant_id, statement_id) DO UPDATE SET value = EXCLUDED.value, "
           "qualification = EXCLUDED.qualification, updated_at = EXCLUDED.updated_at "
           "RETURNING id, participant_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, qualification, now, now, statement_pk, component.pk,
                             Statement.State.ACCEPTED, who[1]])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _move_votes(source: int, target: int) -> int:
    """Move participant ``source``'s votes to participant ``target`` in one statement: where
    ``target`` voted on the same statement, the later vote stays (``target``'s on a tie).
    ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE``: a vote ``target`` casts meanwhile is
    waited for, never a unique violation. Returns how many votes ``source`` had."""
    qn = connection.ops.quote_name
    table = qn(Vote._meta.db_table)
    columns = ("component_id, participant_id, statement_id, value, qualification, created_at, "
               "updated_at")
    sql = (f"INSERT INTO {table} AS kept ({columns}) "  # noqa: S608 - model names only
           "SELECT component_id, %s, statement_id, value, qualification, created_at, "
           f"updated_at FROM {table} WHERE participant_id = %s "
           "ON CONFLICT (participant_id, statement_id) DO UPDATE SET value = EXCLUDED.value, "
           "qualification = EXCLUDED.qualification, updated_at = EXCLUDED.updated_at "
           "WHERE kept.updated_at < EXCLUDED.updated_at")
    with connection.cursor() as cursor:
        cursor.execute(sql, [target, source])
    return Vote.objects.filter(participant_id=source).delete()[0]


def _vote_instance(component: Component, ids: tuple[int, int], statement_pk: int, value: int,
                   qualification: str) -> Vote:
    vote = Vote(pk=ids[0], component=component, participant_id=ids[1],
                statement_id=statement_pk, value=value, qualification=qualification)
    vote._state.adding, vote._state.db = False, connection.alias
    return vote


def cast_vote(*, actor, component: Component, participant: Participant, statement_id,
              value: str, qualification: str = "") -> Vote:
    """Record (or replace) the participant's vote in one upsert; concurrent submissions
    update one row. The map is recomputed in the background (``note_votes``)."""
    _check_kind(component)
    if not rules.can_participate(actor, component, "vote"):
        raise PermissionDenied
    if participant.component_id != component.pk:
        raise PermissionDenied
    statement_pk, code, qualification = _validate_vote(component, statement_id, value,
                                                       qualification)
    ids = _upsert_vote(component, statement_pk, code, qualification, ("id", participant.pk))
    if ids is None:
        raise OpinionsError(_("Unknown statement."))
    transaction.on_commit(lambda: note_votes(component))
    return _vote_instance(component, ids, statement_pk, code, qualification)


def vote_as(*, actor, component: Component, browser_id: str | None, statement_id, value: str,
            qualification: str = "") -> tuple[Participant, Vote]:
    """Vote as this user (or browser): one upsert query once the participant exists.

    The first vote creates the participant, in a transaction with the vote: bad input
    writes nothing at all, not even the participant.
    """
    _check_kind(component)
    if not rules.can_participate(actor, component, "vote"):
        raise PermissionDenied
    statement_pk, code, qualification = _validate_vote(component, statement_id, value,
                                                       qualification)
    if getattr(actor, "is_authenticated", False):
        who, identity = ("user_id", actor.pk), {"user": actor}
    elif browser_id:
        who, identity = ("browser_id", browser_id), {"browser_id": browser_id}
    else:
        raise PermissionDenied
    try:
        ids = _upsert_vote(component, statement_pk, code, qualification, who)
    except IntegrityError:
        # The browser's participant was merged into an account meanwhile (its row is gone):
        # outside a transaction nothing is left half-done, take the slow path below.
        if connection.in_atomic_block:
            raise
        ids = None
    if ids is not None:
        participant = Participant(pk=ids[1], component=component, **identity)
        participant._state.adding, participant._state.db = False, connection.alias
    else:
        with transaction.atomic():
            participant = participant_for(component, user=actor, browser_id=browser_id)
            ids = _upsert_vote(component, statement_pk, code, qualification,
                               ("id", participant.pk))
            if ids is None:
                raise OpinionsError(_("Unknown statement."))
    transaction.on_commit(lambda: note_votes(component))
    return participant, _vote_instance(component, ids, statement_pk, code, qualification)


def merge_browser_into_user(*, browser_id: str, user) -> int:
    """Attach what this browser did without an account to ``user``'s account, in every
    component: returns the number of components where something was attached.

    Where the account has no participant yet, the browser's participant becomes the
    account's. Otherwise its votes move to the account's participant; a statement voted on
    both ways keeps the latest vote (``updated_at``; the account's vote on a tie), as the
    core's latest-vote rule does. Statements the browser submitted are credited to the
    account. One transaction per component, participant rows locked in id order; the unique
    constraints (one participant per account and component, one vote per participant and
    statement) hold throughout.
    """
    if not browser_id or not getattr(user, "is_authenticated", False):
        return 0
    merged = 0
    component_ids = (Participant.objects.filter(browser_id=browser_id, user__isnull=True)
                     .values_list("component_id", flat=True))
    for component_id in list(component_ids):
        try:
            merged += _merge_in_component(component_id, browser_id, user)
        except IntegrityError:
            # the account's first vote created its participant at that very moment: merge
            # into it (votes move without conflicts, so this cannot fail the same way again)
            merged += _merge_in_component(component_id, browser_id, user)
    return merged


@transaction.atomic
def _merge_in_component(component_id: int, browser_id: str, user) -> int:
    # FOR NO KEY UPDATE: a concurrent vote of the account (whose foreign-key check takes
    # FOR KEY SHARE on the participant) is not blocked, so it cannot deadlock with the merge;
    # the votes move by one INSERT … ON CONFLICT, which waits for such a vote and keeps the
    # latest of the two instead of failing on the unique constraint.
    rows = list(Participant.objects.select_for_update(no_key=True)
                .filter(Q(browser_id=browser_id, user__isnull=True) | Q(user=user),
                        component_id=component_id).order_by("pk"))
    anonymous = next((p for p in rows if p.user_id is None), None)
    account = next((p for p in rows if p.user_id == user.pk), None)
    if anonymous is None:
        return 0
    Statement.objects.filter(author_participant=anonymous, author__isnull=True).update(
        author=user)
    if account is None:
        anonymous.user, anonymous.browser_id = user, None
        anonymous.save(update_fields=["user", "browser_id"])
        return 1
    moved = _move_votes(anonymous.pk, account.pk)
    Statement.objects.filter(author_participant=anonymous).update(author_participant=account)
    anonymous.delete()
    if moved:
        component = Component.objects.get(pk=component_id)
        transaction.on_commit(lambda: note_votes(component, moved))
    return 1


@transaction.atomic
def submit_as(*, actor, component: Component, browser_id: str | None, text: str) -> Statement:
    participant = participant_for(component, user=actor, browser_id=browser_id)
    return submit_statement(actor=actor, component=component, participant=participant,
                            text=text)


def _counter_key(component_pk: int) -> str:
    return f"parlons:opinions:new-votes:{component_pk}"


def _lock_key(component_pk: int) -> str:
    return f"parlons:opinions:recompute:{component_pk}"


def recompute_interval() -> float:
    """Seconds between two recomputes of a component (coalescing; setting
    ``PARLONS_OPINIONS_RECOMPUTE_INTERVAL``, default 10)."""
    return float(getattr(settings, "PARLONS_OPINIONS_RECOMPUTE_INTERVAL", 10.0))


def note_votes(component: Component, n: int = 1) -> bool:
    """Count ``n`` vote events in the shared cache (Redis: atomic ``INCR``, no SQL) and
    schedule a recompute once ``recompute_every`` of them arrived since the last one.

    Coalesced: one recompute per component is queued or running at a time (cache lock), and
    it starts at least ``recompute_interval()`` seconds after the previous map, so the votes
    of a burst are all taken by one recompute. Returns True when a recompute was queued.
    """
    key = _counter_key(component.pk)
    try:
        count = cache.incr(key, n) if n else int(cache.get(key) or 0)
    except ValueError:  # first vote since the cache started: create the counter
        cache.add(key, 0, timeout=None)
        count = cache.incr(key, n)
    if count < component_settings(component)["recompute_every"]:
        return False
    return _schedule(component)


def _schedule(component: Component) -> bool:
    interval = recompute_interval()
    last = (OpinionMap.objects.filter(component=component)
            .values_list("computed_at", flat=True).first())
    delay = 0.0
    if last is not None:
        delay = max(0.0, interval - (timezone.now() - last).total_seconds())
    # The lock outlives the wait and a long recompute; the task deletes it when done.
    if not cache.add(_lock_key(component.pk), 1, timeout=int(delay) + 600):
        return False
    _enqueue(component, countdown=delay)
    return True


def recompute_started(component_pk: int) -> None:
    """The task starts reading the votes: later votes count towards the next recompute."""
    cache.set(_counter_key(component_pk), 0, timeout=None)


def recompute_finished(component_pk: int, component: Component | None) -> None:
    """Release the lock; if enough votes came in during the recompute, queue the next one."""
    cache.delete(_lock_key(component_pk))
    if component is not None:
        note_votes(component, 0)


def _enqueue(component: Component, countdown: float = 0.0) -> None:
    from parlons.platform.opinions.tasks import recompute_map

    if countdown > 0:
        recompute_map.apply_async((component.pk,), countdown=countdown)
    else:
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
