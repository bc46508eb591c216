"""Writes of the budget module: each in a transaction, with its permission check and row lock."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parlons.platform.budgets import rules
from parlons.platform.budgets.models import (
    RULE_FIELDS,
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    Channel,
    Eligibility,
    Milestone,
    PaperEntry,
    PaperSheet,
    ProjectFollower,
    ProjectPhoto,
    Review,
    VoterRecord,
)
from parlons.platform.common import localcache
from parlons.platform.common.html import sanitize_html
from parlons.platform.spaces.models import Component

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ELIGIBILITY_RULES = ("area_and_city", "any_one")


# --- configuration -------------------------------------------------------------------------

def _check_rules(budget: Budget) -> None:
    if budget.amount is None or budget.amount <= 0:
        raise ValidationError(_("The amount of a budget must be positive."))
    if budget.min_projects > budget.max_projects:
        raise ValidationError(_("The minimum number of projects exceeds the maximum."))
    if budget.min_share > 100:
        raise ValidationError(_("The minimum share is a percentage between 0 and 100."))
    if budget.pk:
        costs = [p.cost for p in budget.projects.exclude(
            state__in=[BudgetProject.State.NOT_FEASIBLE, BudgetProject.State.MERGED])]
        if costs and budget.amount < min(costs):
            raise ValidationError(_("The budget is smaller than every one of its projects: "
                                    "no project could be funded."))


@transaction.atomic
def create_budget(*, actor, component: Component, **fields) -> Budget:
    if component.kind != "budget" or not rules.can_configure(actor, component):
        raise PermissionDenied
    if rules.vote_is_open(component):
        raise ValidationError(_("The vote is open: budgets can no longer be added."))
    budget = Budget(component=component, **fields)
    if budget.area_id and budget.area.organisation_id != component.space.organisation_id:
        raise PermissionDenied
    _check_rules(budget)
    budget.save()
    return budget


@transaction.atomic
def update_budget(*, actor, budget: Budget, **fields) -> Budget:
    if not rules.can_configure(actor, budget.component):
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    changes_rules = any(
        f in RULE_FIELDS or f"{f}_id" in RULE_FIELDS for f, v in fields.items()
        if getattr(budget, f) != v)
    if changes_rules and (budget.frozen_at or rules.vote_is_open(budget.component)):
        raise ValidationError(_("The voting and counting rules are frozen since the vote "
                                "opened: they cannot be changed."))
    for name, value in fields.items():
        setattr(budget, name, value)
    _check_rules(budget)
    budget.save()
    return budget


@transaction.atomic
def set_component_rules(*, actor, component: Component, eligibility: str,
                        minimum_age: int, census: bool | None = None,
                        voting_codes: bool | None = None) -> Component:
    """Who may vote where, the minimum age, whether voters are checked against the uploaded
    census list, and whether one-time voting codes (no account needed) are accepted."""
    if not rules.can_configure(actor, component):
        raise PermissionDenied
    component = Component.objects.select_for_update().get(pk=component.pk)
    current = component.settings or {}
    census = bool(current.get("census")) if census is None else bool(census)
    voting_codes = bool(current.get("voting_codes")) if voting_codes is None \
        else bool(voting_codes)
    new = (eligibility, minimum_age, census, voting_codes)
    if (current.get("eligibility"), current.get("minimum_age"), bool(current.get("census")),
            bool(current.get("voting_codes"))) != new \
            and (rules.vote_is_open(component) or component.budgets.filter(
                frozen_at__isnull=False).exists()):
        raise ValidationError(_("The voting and counting rules are frozen since the vote "
                                "opened: they cannot be changed."))
    if eligibility not in ELIGIBILITY_RULES or not 0 <= minimum_age <= 120:
        raise ValidationError(_("Invalid eligibility rule."))
    component.settings = {**current, "eligibility": eligibility, "minimum_age": minimum_age,
                          "census": census, "voting_codes": voting_codes}
    component.save(update_fields=["settings"])
    return component


def freeze(budget: Budget) -> None:
    """Freeze the rules (idempotent; called when the first ballot is cast or by an admin)."""
    if budget.frozen_at is None:
        now = timezone.now()
        if Budget.objects.filter(pk=budget.pk, frozen_at__isnull=True).update(frozen_at=now):
            localcache.invalidate()  # update() sends no signal (ADR 0002)
        budget.frozen_at = Budget.objects.values_list("frozen_at", flat=True).get(pk=budget.pk)


@transaction.atomic
def open_vote(*, actor, budget: Budget) -> Budget:
    if not rules.can_configure(actor, budget.component):
        raise PermissionDenied
    freeze(budget)
    return budget


# --- projects and feasibility review ---------------------------------------------------------

@transaction.atomic
def submit_project(*, actor, budget: Budget, title: str, description: str, estimated_cost,
                   location: str = "", area=None, coauthors=(), on_behalf_of=None
                   ) -> BudgetProject:
    component = budget.component
    if on_behalf_of is not None:
        if not rules.can_enter_for_citizens(actor, component):
            raise PermissionDenied
        author = on_behalf_of
    else:
        if not rules.can_submit(actor, component):
            raise PermissionDenied
        author = actor
    if estimated_cost is None or int(estimated_cost) <= 0:
        raise ValidationError(_("The estimated cost must be a positive amount."))
    if int(estimated_cost) > budget.amount:
        raise ValidationError(_("The estimated cost exceeds the whole budget (%(amount)s €).")
                              % {"amount": budget.amount})
    if area is not None and area.organisation_id != component.space.organisation_id:
        raise PermissionDenied
    if budget.area_id and area is None:
        area = budget.area
    project = BudgetProject.objects.create(
        budget=budget, title=title.strip(), description=sanitize_html(description),
        estimated_cost=int(estimated_cost), location=location.strip(), area=area,
        author=author, entered_by=actor if on_behalf_of is not None else None)
    project.coauthors.set([u for u in coauthors if u.pk != author.pk])
    Review.objects.create(project=project)
    return project


def _reviewable(actor, project: BudgetProject) -> None:
    if not rules.can_review(actor, project.budget.component):
        raise PermissionDenied
    if project.budget.decisions_published_at:
        raise ValidationError(_("The decisions are published: reviews can no longer change."))


@transaction.atomic
def assign_review(*, actor, project: BudgetProject, evaluator, service: str) -> Review:
    if not rules.can_configure(actor, project.budget.component):
        raise PermissionDenied
    if evaluator is not None and not rules.can_review(evaluator, project.budget.component):
        raise ValidationError(_("This person is not an evaluator of this space."))
    review, _c = Review.objects.select_for_update().get_or_create(project=project)
    review.evaluator, review.service = evaluator, service.strip()
    review.save()
    return review


@transaction.atomic
def save_review(*, actor, project: BudgetProject, **fields) -> Review:
    _reviewable(actor, project)
    review, _c = Review.objects.select_for_update().get_or_create(project=project)
    decision = fields.get("decision", review.decision)
    if decision == Review.Decision.NOT_FEASIBLE and not fields.get("public_reason", "").strip():
        raise ValidationError(_("A project found not feasible needs a public reason."))
    if decision == Review.Decision.MERGED:
        raise ValidationError(_("Use the merge form to merge projects (the authors' "
                                "agreement is recorded there)."))
    cost = fields.get("reviewed_cost")
    if cost is not None and int(cost) <= 0:
        raise ValidationError(_("The reviewed cost must be a positive amount."))
    for name, value in fields.items():
        setattr(review, name, value)
    review.save()
    return review


@transaction.atomic
def merge_projects(*, actor, project: BudgetProject, into: BudgetProject,
                   agreement: str) -> BudgetProject:
    if not rules.can_configure(actor, project.budget.component):
        raise PermissionDenied
    if into.budget_id != project.budget_id or into.pk == project.pk:
        raise ValidationError(_("A project can only be merged into another project of the "
                                "same budget."))
    if not agreement.strip():
        raise ValidationError(_("Record the authors' agreement to merge the projects."))
    if project.budget.decisions_published_at:
        raise ValidationError(_("The decisions are published: reviews can no longer change."))
    review, _c = Review.objects.select_for_update().get_or_create(project=project)
    review.decision, review.merged_into = Review.Decision.MERGED, into
    review.public_reason = _("Merged into “%(title)s”.") % {"title": into.title}
    review.save()
    project.merge_agreement = agreement.strip()
    project.save(update_fields=["merge_agreement"])
    if project.author_id:
        into.coauthors.add(project.author_id)
    return project


@transaction.atomic
def publish_decisions(*, actor, budget: Budget) -> int:
    """Publish every feasibility decision of ``budget`` at once."""
    if not rules.can_publish(actor, budget.component):
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.decisions_published_at:
        raise ValidationError(_("The decisions are already published."))
    reviews = list(Review.objects.filter(project__budget=budget).select_related("project"))
    if any(not r.decision for r in reviews):
        raise ValidationError(_("Some projects have no decision yet."))
    for review in reviews:
        project = review.project
        project.state = review.decision
        project.public_reason = review.public_reason
        project.reviewed_cost = review.reviewed_cost
        project.merged_into = review.merged_into
        project.save(update_fields=["state", "public_reason", "reviewed_cost", "merged_into"])
    budget.decisions_published_at = timezone.now()
    budget.save(update_fields=["decisions_published_at"])
    _notify_states(budget)
    return len(reviews)


# --- eligibility and vote -------------------------------------------------------------------

def age_on(birth_date, today) -> int:
    return today.year - birth_date.year - ((today.month, today.day)
                                           < (birth_date.month, birth_date.day))


def check_age(component: Component, birth_date) -> None:
    """Refuse an impossible date of birth or a person below the component's minimum age."""
    minimum = int((component.settings or {}).get("minimum_age", 0))
    today = timezone.localdate()
    if birth_date > today or age_on(birth_date, today) > 130:
        raise ValidationError(_("Invalid date of birth."))
    if age_on(birth_date, today) < minimum:
        raise ValidationError(_("You must be at least %(age)s years old to vote.")
                              % {"age": minimum})


@transaction.atomic
def declare_eligibility(*, actor, component: Component, area, birth_date, person=None,
                        first_name: str = "", last_name: str = "") -> Eligibility:
    """Self-declaration (``person`` None) or an agent's check of a citizen. When the city
    checks voters against its census list, the name and date of birth must be on it and the
    neighbourhood is the list's."""
    if person is not None and person != actor:
        if not rules.can_enter_for_citizens(actor, component):
            raise PermissionDenied
    else:
        person = actor
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDenied
    entry = None
    if (component.settings or {}).get("census"):
        from parlons.platform.budgets import census

        entry = census.find_entry(component, first_name, last_name, birth_date)
        area = entry.area
        from parlons.platform.budgets import selectors

        keys = {f"user:{person.pk}", selectors.voter_key(component, person)} - {
            entry.voter_key}
        if VoterRecord.objects.filter(budget__component=component, voter_key__in=keys).exists():
            raise ValidationError(_("This account has already voted: its declaration can no "
                                    "longer change."))
    if area is None or area.organisation_id != component.space.organisation_id:
        raise PermissionDenied
    check_age(component, birth_date)
    defaults = {"area": area, "age_confirmed": True, "census_entry": entry,
                "checked_by": actor if person != actor else None}
    try:
        with transaction.atomic():
            eligibility, _c = Eligibility.objects.update_or_create(
                component=component, user=person, defaults=defaults)
    except IntegrityError as error:
        raise ValidationError(_("This person of the electoral list is already registered "
                                "with another account.")) from error
    return eligibility


def clean_choices(budget: Budget, raw: dict) -> dict[int, int]:
    """Check a ballot against the budget's rules; returns {project id: points}."""
    choices: dict[int, int] = {}
    for key, value in raw.items():
        try:
            pid, points = int(key), int(value)
        except (TypeError, ValueError) as error:
            raise ValidationError(_("The ballot is malformed.")) from error
        if points < 0:
            raise ValidationError(_("Points cannot be negative."))
        if points:
            choices[pid] = points
    from parlons.platform.budgets import selectors

    projects = selectors.ballot_projects(budget)  # the feasible ones, kept per process
    if any(pid not in projects for pid in choices):
        raise ValidationError(_("The ballot names a project that is not on this budget's "
                                "ballot."))
    if not choices:
        raise ValidationError(_("Choose at least one project."))
    if budget.ballot_type == Budget.BallotType.CUMULATIVE:
        total = sum(choices.values())
        if total > budget.points:
            raise ValidationError(_("You gave %(total)s points but only have %(points)s.")
                                  % {"total": total, "points": budget.points})
        return choices
    if any(v != 1 for v in choices.values()):
        raise ValidationError(_("The ballot is malformed."))
    if budget.ballot_type == Budget.BallotType.KNAPSACK:
        spent = sum(projects[p].cost for p in choices)
        if spent > budget.amount:
            raise ValidationError(
                _("Your choice costs %(spent)s €, which is %(over)s € over the budget of "
                  "%(amount)s €. Remove a project.")
                % {"spent": spent, "over": spent - budget.amount, "amount": budget.amount})
        if spent * 100 < budget.min_share * budget.amount:
            raise ValidationError(_("Your choice must spend at least %(share)s %% of the budget.")
                                  % {"share": budget.min_share})
    else:
        if not budget.min_projects <= len(choices) <= budget.max_projects:
            raise ValidationError(_("Choose between %(min)s and %(max)s projects.")
                                  % {"min": budget.min_projects, "max": budget.max_projects})
    return choices


def _fresh(budget: Budget) -> Budget:
    return Budget.objects.select_related("component__space").get(pk=budget.pk)


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(16))
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def normalise_receipt(code: str) -> str | None:
    code = "".join(c for c in (code or "").upper() if c.isalnum())
    if len(code) != 16 or any(c not in RECEIPT_ALPHABET for c in code):
        return None
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def receipt_hash(code: str) -> str:
    return hashlib.sha256(("parlons-receipt:" + code).encode()).hexdigest()


def identity_key(text: str) -> str:
    """Key of a voter without an account (paper): hash of the normalised identity."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    norm = " ".join(norm.split())
    return "id:" + hashlib.sha256(norm.encode()).hexdigest()[:40]


def _rules_of(budget: Budget, component: Component | None) -> Budget:
    """The budget's row as stored (its rules, never a caller's stale copy). ``component``:
    the one the calling view read for this request (its phases and steps loaded, so the
    permission checks query nothing more); without it the component is read too.

    Once frozen (from the first ballot on) the rules never change: the per-process copy
    (``selectors.ballot_budget``) is then the stored row, and no query is needed."""
    if component is None:
        return _fresh(budget)
    from parlons.platform.budgets import selectors

    if budget.component_id == component.pk:
        kept = selectors.ballot_budget(component, budget.pk)
        if kept is not None and kept.frozen_at is not None:
            return kept
    fresh = Budget.objects.get(pk=budget.pk)
    if fresh.component_id != component.pk:
        return _fresh(budget)
    fresh.component = component
    return fresh


def _claim_voter_record(budget: Budget, voter_key: str, user, channel: str, station: str,
                        today) -> tuple[VoterRecord, bool]:
    """The voter's row in the list of who voted, locked; ``created`` when this call added it.

    One ``INSERT ... ON CONFLICT DO NOTHING`` for a first vote (the new row is this
    transaction's until it commits: a concurrent one waits on the unique index, then finds
    it); a ``SELECT ... FOR UPDATE`` when the person already voted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO budgets_voterrecord (budget_id, voter_key, user_id, channel, station,"
            " voted_on) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (budget_id, voter_key) DO NOTHING RETURNING id",
            [budget.pk, voter_key, getattr(user, "pk", None), channel, station,
             connection.ops.adapt_datefield_value(today)])
        row = cursor.fetchone()
    if row is not None:
        record = VoterRecord.from_db(
            connection.alias, ["id", "budget_id", "voter_key", "user_id", "channel", "station",
                               "voted_on"],
            [row[0], budget.pk, voter_key, getattr(user, "pk", None), channel, station, today])
        return record, True
    return VoterRecord.objects.select_for_update().get(budget=budget, voter_key=voter_key), False


def _insert_ballot(ballot: Ballot, choices: dict[int, int]) -> Ballot | None:
    """Insert a new ``ballot`` and its ``choices``; None (nothing inserted) when a ballot with
    its receipt, or this voter's ballot, is already in the box.

    On PostgreSQL one statement (``INSERT … ON CONFLICT DO NOTHING`` of the ballot, its choices
    inserted in the same statement only if it was); elsewhere the ORM, in a savepoint."""
    from django.db import connection

    rows = sorted(choices.items())
    if connection.vendor != "postgresql" or not rows:
        try:
            with transaction.atomic():
                ballot.save(force_insert=True)
        except IntegrityError:
            return None
        _write_choices(ballot, choices, replace=False)
        return ballot
    values = ", ".join(["(%s::bigint, %s::integer)"] * len(rows))
    ballots, choice_rows = Ballot._meta.db_table, BallotChoice._meta.db_table
    sql = (f"WITH ballot AS (INSERT INTO {ballots} (id, budget_id, voter_id, channel,"  # noqa: S608
           " station, receipt_hash, created_on, updated_on) VALUES (%s, %s, %s, %s, %s, %s,"
           " %s, %s) ON CONFLICT DO NOTHING RETURNING id),"  # names and placeholders only
           f" choice AS (INSERT INTO {choice_rows} (ballot_id, project_id, points)"
           " SELECT ballot.id, c.project_id, c.points FROM ballot,"
           f" (VALUES {values}) AS c (project_id, points))"
           " SELECT count(*) FROM ballot")
    day = connection.ops.adapt_datefield_value
    params = [ballot.pk, ballot.budget_id, ballot.voter_id, ballot.channel, ballot.station,
              ballot.receipt_hash, day(ballot.created_on), day(ballot.updated_on)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [value for row in rows for value in row])
        inserted = cursor.fetchone()[0]
    if not inserted:
        return None
    ballot._state.adding, ballot._state.db = False, connection.alias
    return ballot


def _write_choices(ballot: Ballot, choices: dict[int, int], replace: bool) -> None:
    if replace:
        ballot.choices.all().delete()
    BallotChoice.objects.bulk_create(
        [BallotChoice(ballot=ballot, project_id=p, points=x) for p, x in sorted(choices.items())])


@transaction.atomic
def cast_ballot(*, actor, budget: Budget, choices: dict, receipt: str, voter=None,
                channel: str = Channel.ONLINE, station: str = "",
                component: Component | None = None) -> Ballot:
    """Cast or edit ``voter``'s ballot (``actor`` himself, or a citizen for an agent).

    ``receipt`` is the code shown to the voter at the review step (kept in the confirm form),
    so that a repeated submission gives the same answer. In secret mode a voter changes their
    ballot by presenting its receipt again; nothing else links them to it. ``component``:
    the budget's component as the calling view read it for this request (optional).
    """
    budget = _rules_of(budget, component)  # the rules as stored, never a caller's stale copy
    component = budget.component
    voter = voter or actor
    if voter != actor or channel != Channel.ONLINE:
        if not rules.can_enter_for_citizens(actor, component):
            raise PermissionDenied
        if not rules.vote_is_open(component):
            raise PermissionDenied
    elif not rules.can_vote(actor, component):
        raise PermissionDenied
    from parlons.platform.budgets import selectors

    eligible = selectors.eligible_voter(component, voter)  # one read: neighbourhood and key
    if eligible is None or not selectors.may_vote_in(component, budget, eligible.area_id,
                                                     eligible.key, user=voter):
        raise ValidationError(_("You are not eligible to vote in this budget: check your "
                                "age and neighbourhood declaration."))
    code = normalise_receipt(receipt)
    if code is None:
        raise ValidationError(_("The ballot form was altered or has expired: please start "
                                "again."))
    cleaned = clean_choices(budget, choices)
    freeze(budget)
    return _record(budget, eligible.key, voter, cleaned, code, channel, station)


def _record(budget: Budget, voter_key: str, user, choices: dict[int, int], code: str,
            channel: str, station: str) -> Ballot:
    today = timezone.localdate()
    record, created = _claim_voter_record(budget, voter_key, user, channel, station, today)
    digest = receipt_hash(code)
    if not created and record.channel == Channel.PAPER and channel != Channel.PAPER:
        raise ValidationError(_("A paper ballot was already counted for this person in this "
                                "budget."))
    if budget.secret_ballot or user is None:  # no account: only the receipt finds the ballot
        ballot = None if created else Ballot.objects.filter(
            budget=budget, receipt_hash=digest).first()
        if ballot is None and not created:
            raise ValidationError(_("You have already voted in this budget. To change your "
                                    "vote, enter the receipt code you were given."))
    else:
        ballot = Ballot.objects.filter(budget=budget, voter=user).first()
        if ballot is None and not created:  # the same person voted with a code or by an agent
            raise ValidationError(_("You have already voted in this budget."))
    if ballot is None:
        ballot = _insert_ballot(Ballot(
            budget=budget, voter=None if budget.secret_ballot else user, channel=channel,
            station=station, receipt_hash=digest, created_on=today, updated_on=today), choices)
        if ballot is None:  # its receipt is already in the box
            raise ValidationError(_("The ballot form was altered or has expired: please "
                                    "start again."))
        return ballot
    if ballot.receipt_hash != digest and Ballot.objects.filter(receipt_hash=digest).exists():
        raise ValidationError(_("The ballot form was altered or has expired: please start "
                              "again."))
    ballot.receipt_hash, ballot.updated_on = digest, today
    ballot.save(update_fields=["receipt_hash", "updated_on"])
    _write_choices(ballot, choices, replace=True)
    return ballot


@transaction.atomic
def cast_ballot_with_code(*, budget: Budget, code: str, choices: dict, receipt: str,
                          component: Component | None = None) -> Ballot:
    """Cast (or, with the receipt, change) the ballot of the holder of a voting code.

    The code's row is locked, so that two submissions with one code are serialised; the list
    of who voted (``VoterRecord``, unique per budget and voter key) makes "one ballot per code
    and budget" a database invariant. The ballot itself carries no trace of the code.
    ``component``: the budget's component as the calling view read it for this request.
    """
    from parlons.platform.budgets import selectors

    budget = _rules_of(budget, component)
    component = budget.component
    if not rules.can_vote_with_code(component):
        raise PermissionDenied
    voting_code = selectors.voting_code(component, code, lock=True)
    if voting_code is None:
        raise ValidationError(_("This voting code is not valid."))
    key = voting_code.voter_key
    if not selectors.may_vote_in(component, budget, voting_code.area_id, key):
        raise ValidationError(_("This voting code does not give access to this budget."))
    receipt_code = normalise_receipt(receipt)
    if receipt_code is None:
        raise ValidationError(_("The ballot form was altered or has expired: please start "
                                "again."))
    cleaned = clean_choices(budget, choices)
    freeze(budget)
    return _record(budget, key, None, cleaned, receipt_code, Channel.CODE, "")


def person_key(component: Component, first_name: str, last_name: str, birth_date,
               area) -> tuple[str, int]:
    """Voter key and neighbourhood id of a person without an account, known by names and date
    of birth (the age is checked): their census entry when the city uses the list, else a hash
    of the identity with the neighbourhood the agent chose. The same on every channel."""
    from parlons.platform.budgets import census

    check_age(component, birth_date)
    if (component.settings or {}).get("census"):
        entry = census.find_entry(component, first_name, last_name, birth_date)
        return entry.voter_key, entry.area_id
    if area is None or area.organisation_id != component.space.organisation_id:
        raise ValidationError(_("Choose the neighbourhood where the person lives."))
    return identity_key(f"{last_name} {first_name} {birth_date.isoformat()}"), area.pk


@transaction.atomic
def cast_for_person(*, actor, budget: Budget, choices: dict, receipt: str, email: str = "",
                    first_name: str = "", last_name: str = "", birth_date=None, area=None,
                    station: str = "") -> Ballot:
    """An agent records the ballot of a person met at a desk or on the phone.

    The person is an account (e-mail; their eligibility is checked as for an online vote) or,
    without an account, a name and date of birth: on the census list when the city uses one,
    otherwise checked by the agent (age and neighbourhood). A person is one voter key whatever
    the channel, so they cannot also vote online or on paper.
    """
    from parlons.platform.accounts.models import User
    from parlons.platform.budgets import selectors

    budget = _fresh(budget)
    component = budget.component
    if not rules.can_enter_for_citizens(actor, component) or not rules.vote_is_open(component):
        raise PermissionDenied
    if email.strip():
        person = User.objects.filter(email=email.strip().lower()).first()
        if person is None:
            raise ValidationError(_("No account has this e-mail address."))
        return cast_ballot(actor=actor, budget=budget, choices=choices, receipt=receipt,
                           voter=person, channel=Channel.AGENT, station=station)
    if birth_date is None or not (first_name.strip() and last_name.strip()):
        raise ValidationError(_("Give the person's e-mail, or their names and date of birth."))
    key, area_id = person_key(component, first_name, last_name, birth_date, area)
    if budget.pk not in {b.pk for b in selectors.budgets_for(component, area_id, key)}:
        raise ValidationError(_("This person may not vote in this budget (neighbourhood)."))
    code = normalise_receipt(receipt)
    if code is None:
        raise ValidationError(_("The ballot form was altered or has expired: please start "
                                "again."))
    cleaned = clean_choices(budget, choices)
    freeze(budget)
    return _record(budget, key, None, cleaned, code, Channel.AGENT, station.strip())


def check_receipt(component: Component, code: str) -> Ballot | None:
    code = normalise_receipt(code)
    if code is None:
        return None
    return (Ballot.objects.filter(budget__component=component, receipt_hash=receipt_hash(code))
            .select_related("budget").first())


# --- paper ballots --------------------------------------------------------------------------

def paper_voter_key(component: Component, voter: str) -> str:
    """Key of a paper voter written as one text: an account's e-mail (its key on every
    channel, the census line when it was matched to the list) or, without the list, a name
    and date of birth hashed as written (prefer :func:`paper_voter`)."""
    from parlons.platform.accounts.models import User
    from parlons.platform.budgets import selectors

    user = User.objects.filter(email=voter.strip().lower()).first() if "@" in voter else None
    return selectors.voter_key(component, user) if user else identity_key(voter)


def paper_voter(budget: Budget, *, voter: str = "", email: str = "", first_name: str = "",
                last_name: str = "", birth_date=None, area=None) -> str:
    """The voter key of the person of a paper sheet, the same as on every other channel.

    With the census list: names and date of birth matched to one entry of age (its
    ``census:<id>`` key, its neighbourhood), or an account matched to the list. Without it: an
    account's e-mail, or names, date of birth and the neighbourhood checked by the agent (the
    key of an agent's vote or of a desk code). The budget must be open to the person.
    """
    from parlons.platform.accounts.models import User
    from parlons.platform.budgets import selectors

    component = budget.component
    with_census = bool((component.settings or {}).get("census"))
    email = (email or (voter if "@" in voter else "")).strip().lower()
    if email:
        person = User.objects.filter(email=email).first()
        if person is None:
            raise ValidationError(_("No account has this e-mail address."))
        key = selectors.voter_key(component, person)
        if with_census and not key.startswith("census:"):
            raise ValidationError(_("This account is not matched to the electoral list: "
                                    "identify the voter by names and date of birth."))
        eligibility = selectors.eligibility_of(component, person)
        area_id = eligibility.area_id if eligibility else None
    elif first_name.strip() and last_name.strip() and birth_date is not None:
        key, area_id = person_key(component, first_name, last_name, birth_date, area)
    elif voter.strip() and not with_census:
        return identity_key(voter)  # a name as written (no neighbourhood to check)
    else:
        raise ValidationError(_("Identify the voter by names and date of birth."))
    _check_paper_budget(budget, key, area_id)
    return key


def _check_paper_budget(budget: Budget, key: str, area_id: int | None) -> None:
    from parlons.platform.budgets import selectors

    component = budget.component
    if (component.settings or {}).get("eligibility") == "any_one" and VoterRecord.objects.filter(
            budget__component=component, voter_key=key).exclude(budget=budget).exists():
        raise ValidationError(_("This person already voted in another budget: only one "
                                "budget is allowed."))
    if area_id is not None and budget.pk not in {
            b.pk for b in selectors.budgets_for(component, area_id, key)}:
        raise ValidationError(_("This person may not vote in this budget (neighbourhood)."))


@transaction.atomic
def enter_paper_ballot(*, actor, budget: Budget, station: str, number: int, choices: dict,
                       voter: str = "", email: str = "", first_name: str = "",
                       last_name: str = "", birth_date=None, area=None) -> PaperSheet:
    """One agent's entry of a paper sheet; the second agent's entry confirms or flags it.

    The voter is identified as in :func:`paper_voter`; a person not on the list, too young or
    of a neighbourhood the budget is not open to is refused (nothing written)."""
    budget = _fresh(budget)
    component = budget.component
    if not rules.can_enter_for_citizens(actor, component):
        raise PermissionDenied
    if not station.strip() or int(number) <= 0:
        raise ValidationError(_("Give the polling station, the sheet number and the voter."))
    cleaned = clean_choices(budget, choices)
    key = paper_voter(budget, voter=voter, email=email, first_name=first_name,
                      last_name=last_name, birth_date=birth_date, area=area)
    sheet, _c = PaperSheet.objects.get_or_create(budget=budget, station=station.strip(),
                                                 number=int(number))
    sheet = PaperSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != PaperSheet.Status.PENDING:
        raise ValidationError(_("This sheet was already entered twice."))
    if sheet.entries.filter(agent=actor).exists():
        raise ValidationError(_("You already entered this sheet: a second agent must enter "
                                "it."))
    PaperEntry.objects.create(sheet=sheet, agent=actor, voter_key=key,
                              choices={str(k): v for k, v in cleaned.items()})
    entries = list(sheet.entries.all())
    if len(entries) < 2:
        return sheet
    first, second = entries[0], entries[1]
    if first.voter_key != second.voter_key or first.choices != second.choices:
        sheet.status = PaperSheet.Status.MISMATCH
        sheet.save(update_fields=["status"])
        return sheet
    freeze(budget)
    return _confirm_sheet(sheet, first)


def _paper_user(component: Component, voter_key: str):
    """The account behind a paper voter key, if any (for the list of who voted)."""
    from parlons.platform.accounts.models import User

    if voter_key.startswith("user:"):
        return User.objects.filter(pk=int(voter_key[5:])).first()
    if voter_key.startswith("census:"):
        found = Eligibility.objects.filter(component=component,
                                           census_entry_id=int(voter_key[7:])).first()
        return found.user if found else None
    return None


def _confirm_sheet(sheet: PaperSheet, entry: PaperEntry) -> PaperSheet:
    """Count the sheet unless its voter already voted in the budget (any channel).

    The voter's row in the list of who voted is inserted first, in a savepoint: the unique
    ``(budget, voter_key)`` constraint decides between a paper sheet and a concurrent online,
    code or agent vote of the same person (the loser is refused), never a prior read."""
    budget = Budget.objects.select_related("component").get(pk=sheet.budget_id)
    component = budget.component
    key = entry.voter_key
    user = _paper_user(component, key)
    today = timezone.localdate()
    status = PaperSheet.Status.CONFIRMED
    try:
        _check_paper_budget(budget, key, None)
        with transaction.atomic():
            VoterRecord.objects.create(budget=budget, voter_key=key, user=user,
                                       channel=Channel.PAPER, station=sheet.station,
                                       voted_on=today)
            ballot = Ballot.objects.create(
                budget=budget, voter=None if budget.secret_ballot else user,
                channel=Channel.PAPER, station=sheet.station,
                receipt_hash=receipt_hash(new_receipt()), created_on=today, updated_on=today)
            _write_choices(ballot, {int(k): v for k, v in entry.choices.items()},
                           replace=False)
    except (IntegrityError, ValidationError):
        status = PaperSheet.Status.REJECTED
    sheet.status = status
    sheet.save(update_fields=["status"])
    return sheet


@transaction.atomic
def resolve_mismatch(*, actor, sheet: PaperSheet, entry_id: int) -> PaperSheet:
    """An admin who checked the paper sheet keeps the right entry."""
    if not rules.can_publish(actor, sheet.budget.component):
        raise PermissionDenied
    sheet = PaperSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != PaperSheet.Status.MISMATCH:
        raise ValidationError(_("This sheet has no mismatch to resolve."))
    entry = sheet.entries.filter(pk=entry_id).first()
    if entry is None:
        raise ValidationError(_("Unknown entry."))
    return _confirm_sheet(sheet, entry)


# --- results and follow-up ------------------------------------------------------------------

@transaction.atomic
def compute_results(*, actor, budget: Budget) -> Budget:
    from parlons.platform.budgets import counting

    if not rules.can_publish(actor, budget.component):
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    budget.results = counting.count(budget)
    budget.results_computed_at = timezone.now()
    budget.save(update_fields=["results", "results_computed_at"])
    return budget


@transaction.atomic
def publish_results(*, actor, budget: Budget) -> Budget:
    if not rules.can_publish(actor, budget.component):
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if rules.vote_is_open(budget.component):
        raise ValidationError(_("The vote is still open."))
    if not budget.results_computed_at:
        raise ValidationError(_("Count the ballots before publishing the results."))
    budget.results_published_at = timezone.now()
    budget.save(update_fields=["results_published_at"])
    winners = set(budget.results.get("main", {}).get("winners", []))
    for project in budget.projects.filter(state=BudgetProject.State.FEASIBLE):
        notify_followers(project, WON_NEWS if project.pk in winners else LOST_NEWS,
                         {"title": project.title}, f"results-{project.pk}")
    return budget


@transaction.atomic
def update_works(*, actor, project: BudgetProject, works_status: str, progress: int
                 ) -> BudgetProject:
    if not rules.can_configure(actor, project.budget.component):
        raise PermissionDenied
    if not 0 <= int(progress) <= 100:
        raise ValidationError(_("The progress is a percentage between 0 and 100."))
    if works_status not in BudgetProject.Works.values:
        raise ValidationError(_("Unknown status."))
    project = BudgetProject.objects.select_for_update().get(pk=project.pk)
    changed = (project.works_status, project.progress) != (works_status, int(progress))
    project.works_status, project.progress = works_status, int(progress)
    project.save(update_fields=["works_status", "progress"])
    if changed:
        notify_followers(project, WORKS_NEWS,
                         {"title": project.title, "status": works_status,
                          "progress": project.progress},
                         f"works-{project.pk}-{works_status}-{project.progress}")
    return project


@transaction.atomic
def add_milestone(*, actor, project: BudgetProject, date, title: str, text: str = ""
                  ) -> Milestone:
    if not rules.can_configure(actor, project.budget.component):
        raise PermissionDenied
    milestone = Milestone.objects.create(project=project, date=date, title=title.strip(),
                                         text=sanitize_html(text))
    notify_followers(project, MILESTONE_NEWS, {"title": project.title,
                                               "milestone": milestone.title},
                     f"milestone-{milestone.pk}")
    return milestone


# --- photos, followers, notifications --------------------------------------------------------

MAX_PHOTOS = 6


@transaction.atomic
def add_photo(*, actor, project: BudgetProject, upload, alt_text: str) -> ProjectPhoto:
    """Add a photo: the type is read from the content and the image re-encoded without its
    metadata (EXIF, GPS) by the attachments code shared with proposals."""
    from parlons.platform.proposals import files

    project = BudgetProject.objects.select_for_update().select_related(
        "budget__component__space").get(pk=project.pk)
    if not rules.can_add_photo(actor, project):
        raise PermissionDenied
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise ValidationError(_("Describe the photo for people who cannot see it."))
    if project.photos.count() >= MAX_PHOTOS:
        raise ValidationError(_("A project has at most %(n)s photos.") % {"n": MAX_PHOTOS})
    checked = files.check_upload(upload)
    if checked.kind != "image":
        raise ValidationError(_("Only images (JPEG, PNG, WebP, GIF) are accepted."))
    return ProjectPhoto.objects.create(project=project, image=checked.content,
                                       alt_text=alt_text[:250], size=checked.size,
                                       added_by=actor)


@transaction.atomic
def delete_photo(*, actor, photo: ProjectPhoto) -> None:
    if not rules.can_add_photo(actor, photo.project):
        raise PermissionDenied
    photo.image.delete(save=False)
    photo.delete()


def set_following(*, actor, project: BudgetProject, follow: bool) -> bool:
    """Follow (or stop following) a project's news; idempotent under concurrent clicks."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    from parlons.platform.spaces import rules as space_rules

    if not space_rules.can_view_component(actor, project.budget.component):
        raise PermissionDenied
    if follow:
        ProjectFollower.objects.get_or_create(project=project, user=actor)
    else:
        ProjectFollower.objects.filter(project=project, user=actor).delete()
    return follow


def followers_of(project: BudgetProject) -> set[int]:
    """People who get a project's news: its followers, author and co-authors."""
    ids = set(project.followers.values_list("user_id", flat=True))
    ids |= set(project.coauthors.values_list("pk", flat=True))
    if project.author_id:
        ids.add(project.author_id)
    return ids


def notify_followers(project: BudgetProject, template: str, params: dict, key: str) -> None:
    """After commit, a Celery task notifies each follower (in-app and e-mail, in their own
    language) through the notification service shared with proposals."""
    from parlons.platform.budgets import tasks

    transaction.on_commit(lambda: tasks.notify_project.delay(project.pk, template, params, key))


def _notify_states(budget: Budget) -> None:
    for project in budget.projects.all():
        notify_followers(project, STATE_NEWS, {"title": project.title}, f"state-{project.pk}")


STATE_NEWS = gettext_noop("The feasibility study of “%(title)s” is published: see its page.")
WORKS_NEWS = gettext_noop("News of the works of “%(title)s”: %(status)s, %(progress)s %% done.")
MILESTONE_NEWS = gettext_noop("New step for “%(title)s”: %(milestone)s.")
WON_NEWS = gettext_noop("Results published: “%(title)s” is funded!")
LOST_NEWS = gettext_noop("Results published: “%(title)s” is not funded this time.")


# --- personal data ----------------------------------------------------------------------------

def export_personal_data(user) -> dict:
    return {
        "projects": [{"title": p.title, "budget": p.budget.title, "cost": p.estimated_cost}
                     for p in BudgetProject.objects.filter(author=user).select_related("budget")],
        "eligibility": [{"component": e.component.title, "area": e.area.name}
                        for e in Eligibility.objects.filter(user=user).select_related(
                            "component", "area")],
        "voted_in": [r.budget.title for r in VoterRecord.objects.filter(user=user)
                     .select_related("budget")],
        "following": [f.project.title for f in ProjectFollower.objects.filter(user=user)
                      .select_related("project")],
    }


def anonymise_personal_data(user) -> None:
    if BudgetProject.objects.filter(author=user).update(author=None):
        localcache.invalidate()  # update() sends no signal (ADR 0002)
    Eligibility.objects.filter(user=user).delete()
    Ballot.objects.filter(voter=user).update(voter=None)
    VoterRecord.objects.filter(user=user).update(user=None)
    ProjectFollower.objects.filter(user=user).delete()
    ProjectPhoto.objects.filter(added_by=user).update(added_by=None)
