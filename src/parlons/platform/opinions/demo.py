"""Demo data: an opinion map in the "place du Marché" concertation, with votes drawn so that
groups of opinion appear (idempotent)."""

from __future__ import annotations

import random

from parlons.platform.organisations.models import Organisation

STATEMENTS = [
    # (text, leaning): leaning 0 = greener, car-free; 1 = traders and drivers; None = consensus
    ("Il faut planter plus d'arbres que les 30 prévus.", 0),
    ("La place doit devenir entièrement piétonne.", 0),
    ("Il faut garder des places de stationnement pour les commerces.", 1),
    ("Le marché du samedi doit s'agrandir sur les rues voisines.", None),
    ("Une fontaine ou des jeux d'eau rafraîchiraient la place l'été.", None),
    ("Les terrasses des cafés prennent trop de place.", 0),
    ("Les livraisons doivent rester possibles le matin.", 1),
    ("Un parking souterrain serait une bonne idée.", 1),
    ("Des bancs à l'ombre sont indispensables pour les personnes âgées.", None),
    ("Il faut réduire la vitesse à 20 km/h autour de la place.", 0),
    ("Les travaux vont tuer le commerce du centre-ville.", 1),
    ("La place doit accueillir des concerts et des événements.", None),
    ("Il faut un vrai parc à vélos sécurisé.", 0),
    ("Le projet coûte trop cher pour la ville.", 1),
    ("Les toilettes publiques doivent être gratuites et accessibles.", None),
    ("Le sol doit rester perméable pour absorber la pluie.", 0),
    ("Les bus doivent continuer à passer sur la place.", 1),
    ("Il faut consulter les commerçants avant tout.", 1),
    ("Un potager partagé aurait sa place dans un coin de la place.", 0),
    ("L'éclairage la nuit doit être renforcé pour la sécurité.", None),
    ("Les voitures n'ont plus leur place en centre-ville.", 0),
    ("Le stationnement doit rester gratuit le samedi.", 1),
    ("Il faut garder les platanes existants.", None),
    ("La place doit être accessible aux fauteuils roulants partout.", None),
    ("Un kiosque pour les associations serait utile.", None),
]
SUBMITTED = ["Il faudrait une boîte à livres près des bancs.",
             "Pourquoi ne pas installer des brumisateurs l'été ?"]
N_PARTICIPANTS = 150


def load(organisation: Organisation, rng: random.Random) -> None:
    from parlons.platform.opinions.computation import recompute
    from parlons.platform.opinions.models import Participant, Statement, Vote
    from parlons.platform.spaces.models import Component, ComponentStep, Space

    space = Space.objects.filter(organisation=organisation, slug="place-du-marche").first()
    if space is None:
        return
    component, _created = Component.objects.get_or_create(
        space=space, kind="opinions", title="Ce que vous pensez de la place",
        defaults={"is_published": True, "position": 5,
                  "settings": {"anonymous": True, "recompute_every": 50}})
    phase = space.phases.filter(title="Contributions").first()
    if phase is not None:
        ComponentStep.objects.update_or_create(
            component=component, phase=phase,
            defaults={"actions": ["vote", "submit_statement"]})
    if Statement.objects.filter(component=component).exists():
        return
    statements = [Statement.objects.create(component=component, text=text, is_seed=True,
                                           state=Statement.State.ACCEPTED)
                  for text, _lean in STATEMENTS]
    for text in SUBMITTED:
        Statement.objects.create(component=component, text=text)
    votes = []
    for i in range(N_PARTICIPANTS):
        participant = Participant.objects.create(component=component,
                                                 browser_id=f"demo-{i:03d}")
        camp = rng.choices([0, 1, 2], weights=[5, 4, 2])[0]  # green, traders, undecided
        for st, (_text, lean) in zip(statements, STATEMENTS, strict=True):
            if rng.random() < 0.35:
                continue  # not every statement is seen
            votes.append(Vote(component=component, participant=participant, statement=st,
                              value=_draw(rng, camp, lean)))
    Vote.objects.bulk_create(votes)
    recompute(component.pk)


def _draw(rng: random.Random, camp: int, lean: int | None) -> int:
    if lean is None:
        p_agree, p_disagree = 0.75, 0.1
    elif camp == 2:
        p_agree, p_disagree = 0.35, 0.3
    elif camp == lean:
        p_agree, p_disagree = 0.85, 0.05
    else:
        p_agree, p_disagree = 0.1, 0.8
    r = rng.random()
    return 1 if r < p_agree else (-1 if r < p_agree + p_disagree else 0)
