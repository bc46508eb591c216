"""Demo data: the Montreval participatory budget in its vote phase (about 40 projects, about
3,000 ballots written with bulk_create, results computed for the admin, not published)."""

from __future__ import annotations

import hashlib
import random

from django.utils import timezone

from parlons.platform.accounts.models import User
from parlons.platform.budgets import counting
from parlons.platform.budgets.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    Eligibility,
    Review,
    VoterRecord,
)
from parlons.platform.organisations.models import Area, Organisation
from parlons.platform.spaces.models import Component, ComponentStep, Space

CITY_PROJECTS = [
    ("Pistes cyclables sécurisées entre la gare et le lycée", 90_000, "Voirie"),
    ("Une forêt urbaine au parc des Sports", 60_000, "Espaces verts"),
    ("Rénovation des vestiaires du stade municipal", 75_000, "Sports"),
    ("Fontaines à eau dans les parcs", 24_000, "Eau"),
    ("Abris vélos sécurisés dans les écoles", 35_000, "Voirie"),
    ("Boîtes à livres dans toute la ville", 8_000, "Culture"),
    ("Éclairage solaire des chemins piétons", 48_000, "Voirie"),
    ("Toilettes publiques accessibles", 55_000, "Bâtiments"),
    ("Fresques participatives sur les murs aveugles", 18_000, "Culture"),
    ("Bancs et tables de pique-nique le long de la Loire", 22_000, "Espaces verts"),
    ("Navette électrique du marché (véhicule)", 120_000, "Transports"),
    ("Défibrillateurs dans les équipements sportifs", 15_000, "Sports"),
]
AREA_PROJECTS = [
    "Jardin partagé au pied des immeubles", "Aire de jeux ombragée", "Composteurs collectifs",
    "Terrain de pétanque éclairé", "Nichoirs et hôtels à insectes", "Ralentisseurs devant l'école",
    "Table de ping-pong en béton", "Verger de quartier", "Panneau d'affichage associatif",
    "Plantation d'arbres rue principale", "Skatepark de poche", "Parcours sportif",
]
NOT_FEASIBLE = {
    "Navette électrique du marché (véhicule)":
        "Dépense de fonctionnement (chauffeur, entretien) : hors du cadre du budget "
        "participatif, qui finance l'investissement.",
    "Terrain de pétanque éclairé": "Le terrain proposé appartient à un bailleur privé.",
}


def load(organisation: Organisation, rng: random.Random) -> None:
    space = Space.objects.filter(organisation=organisation,
                                 slug="budget-participatif-2026").first()
    if space is None:
        return
    component, _c = Component.objects.update_or_create(
        space=space, kind="budget", title="Les projets et le vote",
        defaults={"is_published": True, "position": 1,
                  "settings": {"eligibility": "area_and_city", "minimum_age": 11}})
    for phase in space.phases.all():
        actions = {"Dépôt des projets": ["submit"], "Vote": ["vote"]}.get(phase.title, [])
        ComponentStep.objects.update_or_create(component=component, phase=phase,
                                               defaults={"actions": actions})
    if Budget.objects.filter(component=component).exists():
        return  # loaded before: a second run adds nothing
    rng = random.Random(rng.random())
    now = timezone.now()
    areas = list(Area.objects.filter(organisation=organisation).order_by("pk"))
    citizens = list(User.objects.filter(email__endswith="@habitants.example").order_by("email"))
    evaluator = User.objects.filter(email="services.techniques@montreval.example").first()
    city = Budget.objects.create(component=component, title="Projets pour toute la ville",
                                 amount=200_000, counting_rule="mes", show_comparison=True,
                                 position=0, frozen_at=now, decisions_published_at=now)
    budgets = {None: city}
    for position, area in enumerate(areas, 1):
        budgets[area.pk] = Budget.objects.create(
            component=component, title=f"Quartier {area.name}", area=area, amount=50_000,
            position=position, frozen_at=now, decisions_published_at=now)
    projects: dict[int, list[BudgetProject]] = {b.pk: [] for b in budgets.values()}
    for title, cost, service in CITY_PROJECTS:
        projects[city.pk].append(_project(city, title, cost, None, service, citizens,
                                          evaluator, rng))
    for i, area in enumerate(areas):
        for j in range(5 if i < 4 else 4):
            title = AREA_PROJECTS[(3 * i + j) % len(AREA_PROJECTS)]
            cost = rng.choice([6_000, 9_000, 12_000, 15_000, 18_000, 25_000, 32_000])
            projects[budgets[area.pk].pk].append(_project(
                budgets[area.pk], f"{title} ({area.name})", cost, area, "Quartiers", citizens,
                evaluator, rng))
    _ballots(budgets, projects, areas, rng)
    for citizen in citizens[:40]:
        Eligibility.objects.get_or_create(component=component, user=citizen,
                                          defaults={"area": rng.choice(areas),
                                                    "age_confirmed": True})
    for budget in budgets.values():
        budget.results = counting.count(budget)
        budget.results_computed_at = now
        budget.save(update_fields=["results", "results_computed_at"])


def _project(budget, title, cost, area, service, citizens, evaluator, rng) -> BudgetProject:
    reason = NOT_FEASIBLE.get(title.split(" (")[0], "")
    state = BudgetProject.State.NOT_FEASIBLE if reason else BudgetProject.State.FEASIBLE
    reviewed = int(cost * rng.choice([1, 1, 1.1, 0.9])) if not reason else None
    project = BudgetProject.objects.create(
        budget=budget, title=title, estimated_cost=cost, reviewed_cost=reviewed, area=area,
        description=f"<p>{title}. Projet proposé par des habitants de Montreval.</p>",
        author=rng.choice(citizens) if citizens else None, state=state, public_reason=reason)
    Review.objects.create(project=project, evaluator=evaluator, service=service,
                          city_competence=True, investment=not reason, public_land=True,
                          legal=True, reviewed_cost=reviewed, decision=state,
                          public_reason=reason)
    return project


def _ballots(budgets, projects, areas, rng) -> None:
    """About 1,500 voters, each voting city-wide and in their neighbourhood (≈ 3,000 ballots)."""
    today = timezone.localdate()
    popularity = {p.pk: rng.random() ** 2 for items in projects.values() for p in items}
    records, ballots, choices = [], [], []
    for n in range(1500):
        area = rng.choice(areas)
        channel = "paper" if n % 7 == 0 else "online"
        for budget in (budgets[None], budgets[area.pk]):
            feasible = [p for p in projects[budget.pk] if p.state == "feasible"]
            order = sorted(feasible, key=lambda p: -popularity[p.pk] * rng.random())
            chosen, spent = [], 0
            for project in order:
                if spent + project.cost <= budget.amount and rng.random() < 0.6:
                    chosen.append(project)
                    spent += project.cost
            if not chosen:
                chosen = [order[0]]
            key = f"demo:{n}"
            records.append(VoterRecord(budget=budget, voter_key=key, channel=channel,
                                       station="Mairie annexe" if channel == "paper" else "",
                                       voted_on=today))
            digest = hashlib.sha256(f"demo-{n}-{budget.pk}-{rng.random()}".encode()).hexdigest()
            ballot = Ballot(budget=budget, channel=channel, receipt_hash=digest,
                            created_on=today, updated_on=today)
            ballots.append(ballot)
            choices += [BallotChoice(ballot=ballot, project=p, points=1) for p in chosen]
    VoterRecord.objects.bulk_create(records, batch_size=2000)
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    BallotChoice.objects.bulk_create(choices, batch_size=5000)
