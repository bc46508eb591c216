"""Greedy by score, as cities run it, with the Pabulib variants of META ``rule``.

Projects are taken by decreasing score (the ``score`` column when present, else ``votes``, else
computed from the ballots); ties are broken by the tie-breaking key (default: the order of the PROJECTS section, which
Pabulib lists in the official ranking, so it reproduces the official tie-breaks). ``greedy`` skips a project that does not fit and goes on; ``greedy-no-skip``
stops at the first project that does not fit; ``greedy-threshold`` only considers projects whose
score reaches META ``min_project_score_threshold`` (the threshold applies to every variant when
META defines it). A project costing more than the whole budget is never funded and does not stop
``greedy-no-skip`` (Pabulib marks withdrawn projects that way). When META defines ``categories`` and
``budget_per_category``, each category's spending is capped as well.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from parlons.core.budgeting.model import Instance, Number, Profile
from parlons.core.budgeting.pabulib import parse_number

GREEDY_VARIANTS = ("greedy", "greedy-no-skip", "greedy-threshold")


def ballot_scores(instance: Instance, profile: Profile) -> dict[str, Number]:
    """Score of each project computed from the ballots: voters for approval, choose-1 and
    ordinal ballots, sum of points for cumulative and scoring ballots."""
    scores: dict[str, Number] = {p: 0 for p in instance.projects}
    for projects, points, multiplicity in zip(profile.ballot_projects(), profile.ballot_points(),
                                              profile.multiplicities(), strict=True):
        if points is None:
            for p in projects:
                if p in scores:
                    scores[p] += multiplicity
        else:
            for p, x in zip(projects, points, strict=False):
                if p in scores:
                    scores[p] += x * multiplicity
    return scores


def file_scores(instance: Instance, profile: Profile | None = None) -> dict[str, Number]:
    """Scores as published: the ``score`` column, else ``votes``, else from the ballots."""
    for column in ("score", "votes"):
        if column in instance.project_columns:
            try:
                return {
                    pid: parse_number(p.fields[column]) for pid, p in instance.projects.items()
                }
            except (ValueError, ZeroDivisionError):
                break
    if profile is None:
        raise ValueError("no score or votes column and no profile given")
    return ballot_scores(instance, profile)


def default_tie_key(instance: Instance) -> Callable[[str], tuple]:
    """Order of the PROJECTS section (the official ranking in Pabulib files)."""
    position = {pid: i for i, pid in enumerate(instance.projects)}

    def key(pid: str) -> tuple:
        return (position[pid],)

    return key


def category_budgets(instance: Instance) -> dict[str, Number] | None:
    """Per-category caps from META ``categories`` and ``budget_per_category``, if any."""
    names = instance.meta.get("categories")
    caps = instance.meta.get("budget_per_category")
    if not names or not caps:
        return None
    names_l = [c.strip() for c in names.split(",")]
    caps_l = [parse_number(c) for c in caps.split(",")]
    if len(names_l) != len(caps_l):
        raise ValueError("META categories and budget_per_category differ in length")
    return dict(zip(names_l, caps_l, strict=False))


def greedy(
    instance: Instance,
    scores: dict[str, Number],
    variant: str = "greedy",
    threshold: Number | None = None,
    tie_key: Callable[[str], tuple] | None = None,
    per_category: bool = True,
    budget: Number | None = None,
    trace: list[tuple[str, str, Number, str]] | None = None,
) -> list[str]:
    """Greedy selection by decreasing score; returns the funded project ids in selection order.

    ``trace``, when given, receives one ``(project, decision, money left at its turn (in the
    full category, if one is named), category)`` per project, in order. Decisions: ``funded``,
    ``below-threshold``, ``over-budget`` (costs more than the whole budget), ``no-room``,
    ``category-cap`` (the category named is full), ``stop`` (``greedy-no-skip`` stops there),
    ``after-stop`` (not reached) and ``leftover`` (funded by META ``leftover_budget``)."""
    def note(pid: str, decision: str, category: str = "") -> None:
        if trace is not None:
            left = caps[category] - spent_cat[category] if category else remaining
            trace.append((pid, decision, left, category))

    if variant not in GREEDY_VARIANTS:
        raise ValueError(f"unknown greedy variant {variant!r}")
    if threshold is None:
        raw = instance.meta.get("min_project_score_threshold")
        threshold = parse_number(raw) if raw else None
    key = tie_key or default_tie_key(instance)
    order = sorted(instance.projects, key=lambda p: (-scores.get(p, 0), key(p)))
    remaining: Number = instance.budget if budget is None else budget
    caps = category_budgets(instance) if per_category else None
    spent_cat: dict[str, Number] = {c: 0 for c in caps} if caps else {}
    winners: list[str] = []
    for position, pid in enumerate(order):
        project = instance.projects[pid]
        if threshold is not None and scores[pid] < threshold:
            note(pid, "below-threshold")
            continue
        if project.cost > instance.budget:
            note(pid, "over-budget")
            continue
        full = "" if project.cost > remaining or not caps else next(
            (c for c in project.categories if c in caps and spent_cat[c] + project.cost > caps[c]),
            "")
        if project.cost > remaining or full:
            note(pid, "stop" if variant == "greedy-no-skip" else
                 "category-cap" if full else "no-room", full)
            if variant == "greedy-no-skip":
                for rest in order[position + 1:]:
                    note(rest, "after-stop")
                break
            continue
        note(pid, "funded")
        winners.append(pid)
        remaining -= project.cost
        for c in project.categories:
            if c in spent_cat:
                spent_cat[c] += project.cost
    if caps and instance.meta.get("leftover_budget", "").lower().startswith("fund additional"):
        for pid in order:
            project = instance.projects[pid]
            if pid not in winners and project.cost <= remaining:
                note(pid, "leftover")
                winners.append(pid)
                remaining -= project.cost
    return winners


def greedy_utilitarian(
    instance: Instance,
    profile: Profile,
    sat: str = "cost",
    tie_key: Callable[[str], tuple] | None = None,
    initial: list[str] | None = None,
    budget: Number | None = None,
    totals: dict[str, Number] | None = None,
) -> list[str]:
    """Greedy utilitarian welfare: projects by decreasing total satisfaction per unit of cost
    (cost satisfaction: supporters; cardinality: supporters / cost; points: points / cost),
    skipping what does not fit. Projects nobody supports come last (still funded if they fit),
    as in pabutools. ``initial`` projects are kept and their cost deducted. ``totals``: each
    project's total satisfaction when the caller has it (exact, as ``total_satisfaction``)."""
    from parlons.core.budgeting.satisfaction import total_satisfaction

    key = tie_key or (lambda pid: (pid,))
    chosen = list(initial or [])
    total = totals if totals is not None else total_satisfaction(instance, profile, sat)

    def density(pid: str) -> Fraction | float:
        cost = instance.projects[pid].cost
        if total[pid] <= 0:
            return Fraction(0)
        if cost == 0:
            return float("inf")
        return Fraction(total[pid]) / cost

    rest = [p for p in instance.projects if p not in set(chosen)]
    order = sorted(rest, key=lambda p: (-density(p), key(p)))
    remaining = (instance.budget if budget is None else budget) - instance.cost(chosen)
    for pid in order:
        cost = instance.projects[pid].cost
        if cost <= remaining:
            chosen.append(pid)
            remaining -= cost
    return chosen
