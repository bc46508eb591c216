"""Reads of budgets, projects, ballots and results; always below one component."""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from parlons.platform.budgets.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    Eligibility,
    PaperSheet,
    Review,
    VotingCode,
)
from parlons.platform.common import localcache
from parlons.platform.spaces.models import Component


def budgets_of(component: Component) -> QuerySet[Budget]:
    return Budget.objects.filter(component=component).select_related("area")


def get_budget(component: Component, budget_id) -> Budget:
    try:
        budget_id = int(budget_id)
    except (TypeError, ValueError):
        budget_id = 0
    return get_object_or_404(Budget.objects.select_related("area", "component__space"),
                             component=component, pk=budget_id)


def get_project(component: Component, project_id) -> BudgetProject:
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        project_id = 0
    return get_object_or_404(BudgetProject.objects.select_related("budget", "area", "author"),
                             budget__component=component, pk=project_id)


class BallotProject(NamedTuple):
    """A project on a budget's ballot, as the voting steps check and show it."""

    pk: int
    title: str
    cost: int


def ballot_budget(component: Component, budget_id) -> Budget | None:
    """The budget ``budget_id`` of ``component`` (None if there is none), without its results,
    with ``component`` as its component: what the voting steps read.

    Kept per process (``common.localcache``: no query while no budget or project changed); the
    key is the component, itself read from the request's organisation, so that no copy serves
    another organisation. Each call returns its own copy."""
    try:
        wanted = int(budget_id)
    except (TypeError, ValueError):
        return None
    key = ("budgets:budget", component.space_id, component.pk, wanted)
    try:
        budget = localcache.get_or_load(key, lambda: Budget.objects.defer("results").get(
            component_id=component.pk, pk=wanted))
    except Budget.DoesNotExist:  # not kept: a stream of wrong numbers would evict the rest
        return None
    budget.component = component
    return budget


def ballot_projects(budget: Budget) -> dict[int, BallotProject]:
    """The projects on ``budget``'s ballot (feasible), by id; kept per process as
    ``ballot_budget`` (authorization and "who voted" are never kept)."""
    return localcache.get_or_load(
        ("budgets:ballot", budget.component_id, budget.pk),
        lambda: {p.pk: BallotProject(p.pk, p.title, p.cost) for p in votable_projects(budget)
                 .only("pk", "budget", "title", "estimated_cost", "reviewed_cost")})


def votable_projects(budget: Budget) -> QuerySet[BudgetProject]:
    return budget.projects.filter(state=BudgetProject.State.FEASIBLE).order_by("pk")


def public_projects(budget: Budget) -> QuerySet[BudgetProject]:
    """Before decisions are published every project shows as submitted; after, their state."""
    return budget.projects.select_related("area").order_by("pk")


def eligibility_of(component: Component, user) -> Eligibility | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Eligibility.objects.filter(component=component, user=user).select_related(
        "area").first()


def voter_key(component: Component, user) -> str:
    """The key of ``user`` in the list of who voted: the census line they were matched to
    (so that a letter code and an account count as one person), else their account."""
    entry = (Eligibility.objects.filter(component=component, user=user)
             .values_list("census_entry_id", flat=True).first())
    return f"census:{entry}" if entry else f"user:{user.pk}"


class Voter(NamedTuple):
    """An account holder who may vote in a component: the neighbourhood they declared and
    their key in the lists of who voted (as ``voter_key``)."""

    area_id: int | None
    key: str


def eligible_voter(component: Component, user) -> Voter | None:
    """``user`` as a voter of ``component``, from one read of their declaration; None when
    they may vote in no budget (no declaration, age not confirmed, or declared before the city
    checked voters against its list)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = (Eligibility.objects.filter(component=component, user=user).order_by("pk")
           .values_list("area_id", "age_confirmed", "census_entry_id").first())
    if row is None or not row[1]:
        return None
    area_id, _age, entry = row
    if (component.settings or {}).get("census") and not entry:
        return None  # declared before the city checked voters against its list: declare again
    return Voter(area_id, f"census:{entry}" if entry else f"user:{user.pk}")


def eligible_budgets(component: Component, user) -> list[Budget]:
    """Budgets ``user`` may vote in under the component's eligibility rule."""
    voter = eligible_voter(component, user)
    if voter is None:
        return []
    return budgets_for(component, voter.area_id, voter.key, user=user)


def budgets_for(component: Component, area_id: int | None, key: str, user=None
                ) -> list[Budget]:
    """Budgets open to a voter of neighbourhood ``area_id`` known as ``key`` in the lists of
    who voted (under "any one budget": only the one they already voted in, if any)."""
    budgets = list(Budget.objects.filter(component=component))  # areas: only their ids
    rule = (component.settings or {}).get("eligibility", "area_and_city")
    if rule == "any_one":
        voted = set(component.budgets.filter(voter_records__voter_key=key)
                    .values_list("pk", flat=True))
        if user is not None:
            voted |= set(Ballot.objects.filter(budget__in=budgets, voter=user)
                         .values_list("budget_id", flat=True))
        if voted:
            return [b for b in budgets if b.pk in voted]
        return budgets
    return [b for b in budgets if b.area_id is None or b.area_id == area_id]


def may_vote_in(component: Component, budget: Budget, area_id: int | None, key: str,
                user=None) -> bool:
    """Is ``budget`` (one of ``component``'s) open to the voter of neighbourhood ``area_id``
    known as ``key`` (and as the account ``user``, if any)?

    The same answer as ``budget in budgets_for(...)``; under "own neighbourhood and city-wide"
    it reads nothing (the budget's area is enough)."""
    if (component.settings or {}).get("eligibility", "area_and_city") != "any_one":
        return budget.area_id is None or budget.area_id == area_id
    return budget.pk in {b.pk for b in budgets_for(component, area_id, key, user=user)}


def voting_code(component: Component, code: str, *, lock: bool = False) -> VotingCode | None:
    """The voting code typed by a voter (any spacing or case), or None: only what voting
    needs (its voter key and neighbourhood), so the hot path of the vote reads one narrow
    row; ``lock`` takes its row lock (``census.find_code`` reads the census line too)."""
    from parlons.platform.budgets.census import code_hash
    from parlons.platform.budgets.services import normalise_receipt

    code = normalise_receipt(code)
    if code is None:
        return None
    # Plain SQL: this read runs three times per ballot and the ORM's compilation of it costs
    # ten times its execution; ``from_db`` builds the (deferred) model instance as the ORM does.
    fields = ["id", "area_id", "census_entry_id", "identity_key"]
    sql = ("SELECT id, area_id, census_entry_id, identity_key FROM budgets_votingcode"
           " WHERE component_id = %s AND code_hash = %s")
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [component.pk, code_hash(code)])
        row = cursor.fetchone()
    return None if row is None else VotingCode.from_db(connection.alias, fields, row)


def own_choices(budget: Budget, user) -> dict[str, int]:
    """The choices of ``user``'s ballot in ``budget`` ({project id as text: points}), in one
    read; empty when there is none or the ballot is secret (nothing links it to them)."""
    if not getattr(user, "is_authenticated", False) or budget.secret_ballot:
        return {}
    rows = (BallotChoice.objects.filter(ballot__budget=budget, ballot__voter=user)
            .order_by("pk").values_list("project_id", "points"))
    return {str(project): points for project, points in rows}


def voted_as(budget: Budget, key: str) -> bool:
    """Is the voter known as ``key`` on ``budget``'s list of who voted?"""
    return budget.voter_records.filter(voter_key=key).exists()


def has_voted(budget: Budget, user) -> bool:
    return voted_as(budget, voter_key(budget.component, user))


def review_progress(component: Component) -> list[dict]:
    """Per service: projects assigned, decided, pending."""
    rows = (Review.objects.filter(project__budget__component=component)
            .values("service")
            .annotate(total=Count("pk"), decided=Count("pk", filter=~Q(decision="")))
            .order_by("service"))
    return [{**row, "pending": row["total"] - row["decided"],
             "percent": round(100 * row["decided"] / row["total"]) if row["total"] else 0}
            for row in rows]


def mismatched_sheets(component: Component) -> QuerySet[PaperSheet]:
    return PaperSheet.objects.filter(budget__component=component,
                                     status=PaperSheet.Status.MISMATCH).select_related("budget")


def vote_counts(budget: Budget) -> dict[int, int]:
    rows = (budget.projects.annotate(n=Count("ballot_choices")).values_list("pk", "n"))
    return dict(rows)
