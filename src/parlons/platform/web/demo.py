"""A realistic French demo: the fictional city of Montreval (about 40,000 inhabitants).

Idempotent: running it again updates the same objects instead of duplicating them. Later
modules add their own demo data by registering a loader with ``register_loader``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from parlons.platform.accounts.models import DemographicProfile, User
from parlons.platform.organisations.models import Area, Organisation, OrganisationRole, Theme
from parlons.platform.pages.models import PageContent
from parlons.platform.spaces.models import Component, Phase, Space, SpaceKind, SpaceRole

DEMO_PASSWORD = "montreval-demo-2026"  # noqa: S105 - public demo accounts, printed by make demo
STAFF = [
    ("admin@montreval.example", "Claire Dubois (mairie)", "admin"),
    ("moderation@montreval.example", "Équipe modération", "moderator"),
    ("services.techniques@montreval.example", "Services techniques", "evaluator"),
    ("accueil@montreval.example", "Agent d'accueil", "agent"),
]
PROCESS_ADMIN = ("democratie.locale@montreval.example", "Mission démocratie locale")
AREAS = [("Centre historique", 8200), ("Les Tilleuls", 7400), ("Quartier de la Gare", 6900),
         ("Le Plateau", 6300), ("Bel-Air", 5800), ("Les Vignes", 5600)]
THEMES = ["Mobilités", "Nature en ville", "Culture et patrimoine", "Solidarités",
          "Jeunesse", "Sport", "Cadre de vie"]
ADJECTIVES = ["Curieux", "Engagée", "Attentif", "Solidaire", "Patiente", "Joyeux", "Discrète",
              "Bavard", "Sereine", "Vif", "Rêveuse", "Tenace"]
ANIMALS = ["Héron", "Loutre", "Martinet", "Hérisson", "Salamandre", "Castor", "Mésange",
           "Renard", "Abeille", "Chevreuil", "Libellule", "Blaireau"]

_LOADERS: list[Callable[[Organisation, random.Random], None]] = []


def register_loader(loader: Callable[[Organisation, random.Random], None]) -> None:
    """Modules add demo data (proposals, ballots...) through a loader run after the spine's."""
    if loader not in _LOADERS:
        _LOADERS.append(loader)


@transaction.atomic
def load(seed: int = 2026) -> dict[str, object]:
    rng = random.Random(seed)
    today = timezone.localdate()
    organisation = _organisation()
    areas = [_area(organisation, name, pop) for name, pop in AREAS]
    themes = [_theme(organisation, name) for name in THEMES]
    password = make_password(DEMO_PASSWORD)
    staff = {role: _user(email, name, password) for email, name, role in STAFF}
    for role, user in staff.items():
        OrganisationRole.objects.get_or_create(organisation=organisation, user=user, role=role)
    process_admin = _user(*PROCESS_ADMIN, password)
    citizens = _citizens(organisation, areas, password, rng)
    square = _square_process(organisation, areas, themes, today)
    budget = _budget_process(organisation, areas, themes, today)
    for space in (square, budget):
        SpaceRole.objects.get_or_create(space=space, user=process_admin, role="admin")
    _neighbourhood_council(organisation, areas, citizens, today)
    for loader in _LOADERS:
        loader(organisation, rng)
    return {"organisation": organisation, "citizens": len(citizens),
            "logins": [(email, role) for email, _n, role in STAFF]
            + [(PROCESS_ADMIN[0], "process admin"), (citizens[0].email, "citizen")]}


def _organisation() -> Organisation:
    organisation, _created = Organisation.objects.update_or_create(
        slug="montreval",
        defaults={
            "name": "Ville de Montreval",
            "is_default": not Organisation.objects.filter(is_default=True)
            .exclude(slug="montreval").exists(),
            "enabled_languages": ["fr", "en"],
            "description": "Montreval, 40 000 habitants au bord de la Loire : proposez, "
                           "débattez, votez. La ville vous répond.",
            "primary_colour": "#1d4f91",
            "accent_colour": "#a3195b",
            "legal_notice": "<p>Site édité par la Ville de Montreval (ville fictive de "
                            "démonstration), 1 place de l'Hôtel de Ville, 45999 Montreval.</p>",
            "privacy_policy": "<p>Les données sont traitées par la Ville de Montreval pour "
                              "organiser la participation citoyenne. Vous pouvez exporter ou "
                              "supprimer vos données depuis votre compte.</p>",
            "terms_of_use": "<p>Les contributions doivent respecter la charte de "
                            "participation : pas d'insulte, pas de données personnelles "
                            "d'autrui, pas de publicité.</p>",
            "accessibility_status": "partial",
            "accessibility_declaration": "<p>Cette déclaration s'applique au site de "
                                         "participation de la Ville de Montreval.</p>",
            "accessibility_derogations": "<p>Les documents PDF antérieurs à 2024 ne sont "
                                         "pas tous accessibles ; ils sont fournis sur "
                                         "demande dans un format accessible.</p>",
            "accessibility_contact": "accessibilite@montreval.example",
        },
    )
    return organisation


def _area(org: Organisation, name: str, population: int) -> Area:
    from django.utils.text import slugify

    area, _c = Area.objects.update_or_create(organisation=org, slug=slugify(name),
                                             defaults={"name": name, "population": population})
    return area


def _theme(org: Organisation, name: str) -> Theme:
    from django.utils.text import slugify

    theme, _c = Theme.objects.update_or_create(organisation=org, slug=slugify(name),
                                               defaults={"name": name})
    return theme


def _user(email: str, name: str, password: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "password": password,
                               "email_confirmed_at": timezone.now()})
    return user


def _citizens(org: Organisation, areas: list[Area], password: str,
              rng: random.Random) -> list[User]:
    existing = {u.email: u for u in User.objects.filter(email__endswith="@habitants.example")}
    citizens = []
    for n in range(200):
        email = f"habitant{n + 1:03d}@habitants.example"
        user = existing.get(email)
        if user is None:
            name = f"{rng.choice(ANIMALS)} {rng.choice(ADJECTIVES)} {rng.randint(10, 99)}"
            user = User.objects.create(email=email, display_name=name, password=password,
                                       email_confirmed_at=timezone.now())
            if rng.random() < 0.7:  # 70 % consented to the demographic questions
                DemographicProfile.objects.create(
                    user=user, organisation=org, consent_given_at=timezone.now(),
                    birth_year=rng.randint(1940, 2008),
                    gender=rng.choice(["woman", "man", "woman", "man", "other", "unsaid"]),
                    postal_code="45999", area=rng.choice(areas),
                    socio_professional_category=rng.choice(
                        DemographicProfile.Category.values))
        citizens.append(user)
    return citizens


def _space(org: Organisation, slug: str, **values) -> Space:
    themes = values.pop("themes", [])
    areas = values.pop("areas", [])
    space, _c = Space.objects.update_or_create(organisation=org, slug=slug, defaults=values)
    space.themes.set(themes)
    space.areas.set(areas)
    return space


def _phases(space: Space, phases: list[tuple[str, dt.date, dt.date, str, str]]) -> None:
    keep = []
    for position, (title, start, end, description, cta) in enumerate(phases):
        phase, _c = Phase.objects.update_or_create(
            space=space, title=title,
            defaults={"start_date": start, "end_date": end, "position": position,
                      "description": description, "call_to_action": cta})
        keep.append(phase.pk)
    space.phases.exclude(pk__in=keep).delete()


def _page(space: Space, title: str, body: str, position: int) -> Component:
    component, _c = Component.objects.update_or_create(
        space=space, kind="page", title=title,
        defaults={"is_published": True, "position": position})
    PageContent.objects.update_or_create(component=component, defaults={"body": body})
    return component


def _square_process(org, areas, themes, today) -> Space:
    d = dt.timedelta
    space = _space(
        org, "place-du-marche", kind=SpaceKind.PROCESS,
        title="Réaménagement de la place du Marché",
        summary="Arbres, terrasses, stationnement, marché du samedi : imaginons ensemble la "
                "place du Marché de demain.",
        description="<p>La place du Marché sera réaménagée en 2027-2028. Avant que les "
                    "architectes ne dessinent le projet, la ville ouvre une concertation : "
                    "usages, ombre et fraîcheur, circulation, marché, accessibilité.</p>"
                    "<p>Budget prévisionnel : <strong>3,2 millions d'euros</strong>.</p>",
        visibility="public", is_published=True,
        start_date=today - d(40), end_date=today + d(80),
        themes=[themes[1], themes[6], themes[0]], areas=[areas[0]],
    )
    _phases(space, [
        ("Information", today - d(40), today - d(15),
         "<p>Réunion publique et exposition en mairie.</p>", ""),
        ("Contributions", today - d(14), today + d(20),
         "<p>Donnez votre avis, proposez des idées, réagissez à celles des autres.</p>",
         "Proposez vos idées pour la place"),
        ("Synthèse et ateliers", today + d(21), today + d(50),
         "<p>Ateliers de travail avec les habitants tirés au sort.</p>", ""),
        ("Restitution", today + d(51), today + d(80),
         "<p>Bilan de la concertation et réponse de la ville.</p>", ""),
    ])
    _page(space, "Le projet en bref",
          "<h2>Pourquoi réaménager la place ?</h2><p>Îlot de chaleur l'été, voitures "
          "omniprésentes, marché à l'étroit : la place ne répond plus aux usages.</p>"
          "<h2>Ce qui est déjà décidé</h2><ul><li>Le marché du samedi reste sur la place."
          "</li><li>Au moins 30 arbres seront plantés.</li></ul>", 0)
    _page(space, "Charte de la concertation",
          "<p>Chaque contribution est lue. La ville publiera un bilan de la concertation et "
          "expliquera ce qu'elle retient, et pourquoi.</p>", 1)
    return space


def _budget_process(org, areas, themes, today) -> Space:
    d = dt.timedelta
    space = _space(
        org, "budget-participatif-2026", kind=SpaceKind.PROCESS,
        title="Budget participatif 2026",
        summary="500 000 € pour des projets proposés et choisis par les habitantes et "
                "habitants : à vous de voter !",
        description="<p>Le budget participatif consacre <strong>500 000 €</strong> "
                    "d'investissement à des projets proposés par les habitants : 200 000 € "
                    "pour toute la ville et 50 000 € par quartier.</p>"
                    "<p>Toute personne de plus de 11 ans habitant Montreval peut voter.</p>",
        visibility="public", is_published=True,
        start_date=today - d(150), end_date=today + d(200),
        themes=themes, areas=areas,
    )
    _phases(space, [
        ("Dépôt des projets", today - d(150), today - d(101),
         "<p>Les habitants ont déposé 112 idées.</p>", ""),
        ("Instruction par les services", today - d(100), today - d(31),
         "<p>Les services de la ville ont étudié la faisabilité de chaque projet.</p>", ""),
        ("Vote", today - d(30), today + d(10),
         "<p>Choisissez vos projets préférés dans la limite du budget.</p>",
         "Votez pour vos projets"),
        ("Résultats", today + d(11), today + d(25), "<p>Annonce des lauréats.</p>", ""),
        ("Suivi des réalisations", today + d(26), today + d(200),
         "<p>Suivez l'avancement des travaux des projets lauréats.</p>", ""),
    ])
    _page(space, "Règlement du budget participatif",
          "<h2>Qui peut voter ?</h2><p>Toute personne de plus de 11 ans habitant "
          "Montreval.</p><h2>Comment ?</h2><p>En ligne ou sur papier dans les mairies de "
          "quartier. Un seul vote par personne.</p>", 0)
    return space


def _neighbourhood_council(org, areas, citizens, today) -> Space:
    space = _space(
        org, "conseil-quartier-tilleuls", kind=SpaceKind.BODY,
        title="Conseil de quartier des Tilleuls",
        summary="Vingt habitants tirés au sort ou volontaires, qui se réunissent chaque "
                "trimestre avec les élus du quartier.",
        description="<p>Le conseil de quartier donne son avis sur les projets du quartier "
                    "et porte des initiatives.</p>",
        visibility="public", is_published=True, start_date=today - dt.timedelta(400),
        areas=[areas[1]],
    )
    term_start, term_end = today - dt.timedelta(400), today + dt.timedelta(700)
    for n, user in enumerate(citizens[:20]):
        SpaceRole.objects.update_or_create(
            space=space, user=user, role="member",
            defaults={"title": "Coprésidente" if n == 0 else "",
                      "term_start": term_start, "term_end": term_end})
    _page(space, "Comptes rendus",
          "<p>Séance du trimestre : aire de jeux du square Colette, sécurité de la rue des "
          "Écoles, fête de quartier.</p>", 0)
    return space
