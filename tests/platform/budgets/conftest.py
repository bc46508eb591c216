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


@pytest.fixture
def people(citizen, voter, org_evaluator, org_agent, org_admin, other_org_admin, make_user, pb):
    """One person per role of the permission matrices (``voter`` is an eligible citizen)."""
    from parlons.platform.spaces.models import SpaceRole

    process_admin = make_user("pilote@example.org")
    SpaceRole.objects.create(space=pb["space"], user=process_admin, role="admin")
    plain = make_user("simple@example.org")
    return {"anonymous": None, "citizen": plain, "voter": voter, "evaluator": org_evaluator,
            "agent": org_agent, "process_admin": process_admin, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


@pytest.fixture
def race():
    """Run ``target(i)`` in ``n`` threads released together; returns every answer."""
    import threading

    from django.db import connections

    def run_race(n, target):
        from django.utils import translation

        barrier = threading.Barrier(n)
        answers: list = []
        language = translation.get_language()  # threads answer in the test's language

        def run(i):
            translation.activate(language)
            try:
                barrier.wait()
                answers.append(("ok", target(i)))
            except Exception as error:  # noqa: BLE001 - the answer is what we compare
                answers.append(("error", type(error).__name__, str(error)))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return answers

    return run_race


@pytest.fixture
def census_csv() -> str:
    return CENSUS_CSV


CENSUS_CSV = """nom;prénom;date de naissance;quartier;adresse
Martin;Léa;12/03/1990;Centre;3 rue des Lilas
Durand;Jean-Pierre;1975-07-01;les-tilleuls;
Petit;Zoé;01/01/2020;Centre;
"""


@pytest.fixture
def coded_pb(pb):
    """The vote phase with the census check and voting codes enabled, and a census list."""
    from parlons.platform.budgets import census
    from parlons.platform.budgets.models import CensusEntry

    component = pb["component"]
    rows = census.parse_census(component, CENSUS_CSV.replace("les-tilleuls", "tilleuls")
                               .encode())
    CensusEntry.objects.bulk_create([
        CensusEntry(component=component, line=r.line, last_name=r.last_name,
                    first_name=r.first_name, birth_date=r.birth_date, area=r.area,
                    address=r.address,
                    identity_key=census.census_key(r.first_name, r.last_name, r.birth_date))
        for r in rows])
    component.settings = {**component.settings, "census": True, "voting_codes": True}
    component.save()
    return pb
