"""A participatory budget in its vote phase: a city-wide budget and one per neighbourhood."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def areas(organisation):
    from parlons.platform.organisations.models import Area

    return [Area.objects.create(organisation=organisation, name=name, slug=slug)
            for name, slug in (("Centre", "centre"), ("Les Tilleuls", "tilleuls"))]


@pytest.fixture
def pb(organisation, areas):
    """Space with phases Dépôt / Instruction / Vote (current) / Résultats and a budget component."""
    from parlons.platform.budgets.models import Budget, BudgetProject, Review
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    today = timezone.localdate()
    d = dt.timedelta
    space = Space.objects.create(organisation=organisation, title="Budget participatif",
                                 slug="bp", is_published=True, visibility="public")
    phases = {}
    for position, (title, start, end) in enumerate([
            ("Dépôt", today - d(60), today - d(41)), ("Instruction", today - d(40),
                                                       today - d(11)),
            ("Vote", today - d(10), today + d(10)), ("Résultats", today + d(11),
                                                     today + d(30))]):
        phases[title] = Phase.objects.create(space=space, title=title, position=position,
                                             start_date=start, end_date=end)
    component = Component.objects.create(space=space, kind="budget", title="Projets",
                                         is_published=True,
                                         settings={"eligibility": "area_and_city",
                                                   "minimum_age": 11})
    ComponentStep.objects.create(component=component, phase=phases["Dépôt"], actions=["submit"])
    ComponentStep.objects.create(component=component, phase=phases["Vote"], actions=["vote"])
    city = Budget.objects.create(component=component, title="Toute la ville", amount=100_000,
                                 secret_ballot=False)
    centre = Budget.objects.create(component=component, title="Centre", amount=30_000,
                                   area=areas[0], secret_ballot=True)
    projects = {}
    for budget, items in ((city, [("Pistes cyclables", 60_000), ("Jardin partagé", 30_000),
                                  ("Fresque", 20_000), ("Skatepark", 50_000)]),
                          (centre, [("Bancs", 10_000), ("Fontaine", 25_000)])):
        for title, cost in items:
            project = BudgetProject.objects.create(budget=budget, title=title, description="x",
                                                   estimated_cost=cost,
                                                   state=BudgetProject.State.FEASIBLE)
            Review.objects.create(project=project, decision="feasible", service="Voirie")
            projects[title] = project
    for budget in (city, centre):
        budget.decisions_published_at = timezone.now()
        budget.save()
    return {"space": space, "component": component, "phases": phases, "city": city,
            "centre": centre, "projects": projects, "areas": areas}


@pytest.fixture
def org_agent(make_staff, organisation):
    return make_staff(organisation, "agent", "agent@example.org", "Agent")


@pytest.fixture
def second_agent(make_staff, organisation):
    return make_staff(organisation, "agent", "agent2@example.org", "Agent 2")


@pytest.fixture
def voter(citizen, pb):
    from parlons.platform.budgets.models import Eligibility

    Eligibility.objects.create(component=pb["component"], user=citizen, area=pb["areas"][0],
                               age_confirmed=True)
    return citizen


@pytest.fixture
def set_phase():
    """Force a phase (title) or go back to the dates (None)."""
    def force(pb, title):
        space = pb["space"]
        space.forced_phase = pb["phases"][title] if title else None
        space.save()

    return force


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are matched in English (requests use the visitor's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
