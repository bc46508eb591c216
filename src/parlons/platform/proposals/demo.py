"""Demo data: about 60 realistic proposals for the redevelopment of the place du Marché, with
comments, supports and a few official answers. Loaded once (a second run adds nothing)."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from parlons.platform.accounts.models import User
from parlons.platform.organisations.models import Area, Organisation, Theme
from parlons.platform.proposals.models import Answer, Comment, Proposal, ProposalVersion, Support
from parlons.platform.proposals.services import index_for_search
from parlons.platform.spaces.models import Component, ComponentStep, Space

# Montreval is fictional: its place du Marché is drawn at this point of a real map.
DEMO_SQUARE = (45.1885, 5.7245)

# (title, body, theme slug)
IDEAS = [
    ("Planter des platanes côté mairie", "Les façades côté mairie sont en plein soleil tout "
     "l'après-midi : une rangée de platanes ferait de l'ombre aux terrasses.", "nature-en-ville"),
    ("Une fontaine à boire sur la place", "Une fontaine d'eau potable près du kiosque, pour les "
     "enfants, les marcheurs et les commerçants du marché.", "cadre-de-vie"),
    ("Des jeux d'eau pour les enfants l'été", "Des brumisateurs au sol qui s'allument quand il "
     "fait plus de 28 °C, comme à Lyon ou à Bordeaux.", "nature-en-ville"),
    ("Garder le marché du samedi sur toute la place", "Le marché doit rester le cœur de la "
     "place : prévoir des bornes électriques et des points d'eau pour les forains.",
     "cadre-de-vie"),
    ("Un parking vélos couvert", "Au moins quarante arceaux couverts près de l'arrêt de bus, "
     "avec quelques places pour les vélos cargos.", "mobilites"),
    ("Supprimer le stationnement au centre de la place", "Les voitures occupent la moitié de la "
     "place pour vingt places : on peut les reporter au parking de la Gare.", "mobilites"),
    ("Maintenir des places pour les personnes à mobilité réduite", "Même si la place devient "
     "piétonne, il faut garder des places PMR au plus près des commerces.", "mobilites"),
    ("Des bancs à l'ombre avec dossier", "Des bancs confortables, avec dossier et accoudoirs, "
     "pour les personnes âgées qui viennent au marché.", "cadre-de-vie"),
    ("Un kiosque pour les concerts", "Rénover l'ancien kiosque et y programmer des concerts "
     "gratuits le dimanche en été.", "culture-et-patrimoine"),
    ("Mettre en valeur la halle de 1890", "La halle métallique est magnifique mais cachée par "
     "les voitures : l'éclairer la nuit et la restaurer.", "culture-et-patrimoine"),
    ("Des toilettes publiques gratuites", "Des sanitaires propres et accessibles, ouverts les "
     "jours de marché et le week-end.", "solidarites"),
    ("Une aire de jeux pour les petits", "Une petite aire de jeux clôturée pour les 2-6 ans, à "
     "l'ombre, près des terrasses.", "jeunesse"),
    ("Un terrain de pétanque", "Les boulistes jouent déjà sur la place le soir : un vrai "
     "terrain stabilisé avec un éclairage doux.", "sport"),
    ("Désimperméabiliser les sols", "Remplacer l'enrobé par des pavés à joints enherbés pour "
     "que l'eau de pluie s'infiltre et rafraîchisse la place.", "nature-en-ville"),
    ("Un jardin partagé au coin de la rue des Écoles", "Quelques bacs de potager gérés par les "
     "écoles et les habitants du Centre historique.", "nature-en-ville"),
    ("Zone de rencontre limitée à 20 km/h", "Autour de la place, une zone de rencontre où les "
     "piétons sont prioritaires.", "mobilites"),
    ("Une navette gratuite les jours de marché", "Une navette depuis Les Vignes et Bel-Air le "
     "samedi matin, pour venir au marché sans voiture.", "mobilites"),
    ("Éclairage plus doux la nuit", "L'éclairage actuel est agressif et gaspille l'énergie : "
     "des lampadaires orientés vers le sol, avec détecteurs.", "cadre-de-vie"),
    ("Des terrasses mieux réparties", "Limiter l'emprise des terrasses pour laisser un passage "
     "de 1,80 m aux poussettes et aux fauteuils.", "cadre-de-vie"),
    ("Un espace pour les adolescents", "Un lieu pour se retrouver, avec des assises et du wifi, "
     "sans être chassés par les commerçants.", "jeunesse"),
    ("Une boîte à livres", "Une boîte à livres près des bancs, entretenue par la médiathèque.",
     "culture-et-patrimoine"),
    ("Des arbres fruitiers", "Quelques pommiers et figuiers en bordure : de l'ombre, des "
     "fleurs au printemps et des fruits pour tout le monde.", "nature-en-ville"),
    ("Un marché de producteurs le mercredi soir", "Un petit marché de producteurs locaux en fin "
     "de journée, pour ceux qui travaillent le samedi.", "cadre-de-vie"),
    ("Des bornes de recharge pour vélos électriques", "Deux ou trois bornes près du parking "
     "vélos, alimentées par des panneaux solaires.", "mobilites"),
    ("Rendre la place accessible aux malvoyants", "Des bandes podotactiles et un plan en relief "
     "à l'entrée de la place.", "solidarites"),
    ("Un écran d'information municipal", "Un panneau qui annonce les événements, les horaires du "
     "marché et les travaux en cours.", "cadre-de-vie"),
    ("Des tables de pique-nique", "Quelques tables sous les arbres pour manger sur place les "
     "produits du marché.", "cadre-de-vie"),
    ("Un espace de stationnement pour les forains", "Les camions des forains doivent pouvoir "
     "stationner à proximité sans bloquer la place.", "mobilites"),
    ("Une fresque sur le mur du parking", "Confier le mur aveugle du parking à des artistes du "
     "quartier avec les élèves du collège.", "culture-et-patrimoine"),
    ("Un point de collecte des biodéchets", "Des composteurs pour les déchets du marché et des "
     "restaurants, gérés avec une association.", "nature-en-ville"),
    ("Des brumisateurs sur les terrasses", "Installer des brumisateurs pour les épisodes de "
     "canicule, comme dans le Sud.", "nature-en-ville"),
    ("Un cinéma en plein air l'été", "Trois séances de cinéma gratuites en juillet et août, "
     "sur un grand écran monté sur la place.", "culture-et-patrimoine"),
    ("Conserver les pavés anciens", "Les vieux pavés de la rue du Marché font partie de "
     "l'histoire : les réutiliser dans le nouvel aménagement.", "culture-et-patrimoine"),
    ("Des agrès de sport en accès libre", "Quelques agrès de musculation et d'étirement pour "
     "tous les âges, près du terrain de pétanque.", "sport"),
    ("Un abri pour attendre le bus", "L'arrêt de bus n'a pas d'abri : on attend sous la pluie "
     "avec les courses du marché.", "mobilites"),
    ("Un espace pour les chiens", "Un petit espace clos pour les chiens, loin de l'aire de "
     "jeux, avec des distributeurs de sacs.", "cadre-de-vie"),
    ("Des ateliers de réparation de vélos", "Un atelier vélo solidaire un samedi par mois sur "
     "la place.", "solidarites"),
    ("Moins de bruit le soir", "Les terrasses ferment tard : faire respecter les horaires pour "
     "les riverains.", "cadre-de-vie"),
    ("Un bassin de rétention paysager", "Un bassin planté qui recueille l'eau des orages et "
     "devient un petit jardin humide.", "nature-en-ville"),
    ("Des panneaux d'histoire de la place", "Raconter l'histoire de la place : la foire aux "
     "bestiaux, la halle, la libération en 1944.", "culture-et-patrimoine"),
    ("Une piste de danse pour les bals", "Un sol adapté pour les bals du 14 juillet et les "
     "fêtes de quartier.", "culture-et-patrimoine"),
    ("Des prises électriques pour les associations", "Des bornes pour brancher une sono ou un "
     "stand lors des fêtes associatives.", "solidarites"),
    ("Sécuriser la traversée rue de la République", "Le passage piéton vers la boulangerie est "
     "dangereux : un plateau surélevé serait utile.", "mobilites"),
    ("Une consigne pour les courses", "Des casiers pour laisser ses courses et profiter de la "
     "place ou d'une terrasse.", "cadre-de-vie"),
    ("Planter des haies fleuries pour les abeilles", "Des massifs de plantes mellifères et un "
     "hôtel à insectes avec l'école.", "nature-en-ville"),
    ("Un skate-park compact", "Quelques modules de skate pour les jeunes, qui n'ont rien dans le "
     "centre-ville.", "jeunesse"),
    ("Ne pas abattre le vieux tilleul", "Le tilleul centenaire doit être conservé et protégé "
     "pendant les travaux.", "nature-en-ville"),
    ("Une signalétique en braille", "Les plans et les noms de rues en braille à hauteur de "
     "main.", "solidarites"),
    ("Un espace couvert pour le marché d'hiver", "Une structure légère pour que le marché reste "
     "agréable l'hiver et les jours de pluie.", "cadre-de-vie"),
    ("Wifi public gratuit", "Un accès wifi gratuit sur la place, utile aussi aux touristes.",
     "cadre-de-vie"),
    ("Moins de minéral, plus de pelouse", "Une grande pelouse au centre pour s'asseoir, jouer "
     "et pique-niquer.", "nature-en-ville"),
    ("Une station d'autopartage", "Deux voitures en autopartage pour ceux qui n'ont plus "
     "besoin de leur propre voiture.", "mobilites"),
    ("Un festival des associations en septembre", "Profiter de la nouvelle place pour le forum "
     "des associations de la rentrée.", "culture-et-patrimoine"),
    ("Des poubelles de tri", "Des poubelles de tri (emballages, verre) bien visibles et vidées "
     "après le marché.", "cadre-de-vie"),
    ("Garder une place pour le manège de Noël", "Le manège et le marché de Noël font partie des "
     "traditions : prévoir l'emplacement et l'électricité.", "culture-et-patrimoine"),
    ("Un parcours pour les joggeurs", "Relier la place aux bords de Loire par un itinéraire "
     "balisé.", "sport"),
    ("Des ombrières photovoltaïques", "Sur le parking restant, des ombrières solaires qui "
     "produisent l'électricité de l'éclairage.", "nature-en-ville"),
    ("Un lieu pour les seniors", "Un espace calme avec des tables pour jouer aux cartes et "
     "discuter, à l'ombre.", "solidarites"),
    ("Des livraisons à vélo pour les commerçants", "Une aire de livraison pour vélos cargos et "
     "des horaires de livraison le matin.", "mobilites"),
    ("Un concours d'architecture ouvert aux habitants", "Présenter trois projets d'architectes "
     "et laisser les habitants voter.", "culture-et-patrimoine"),
    ("Des toilettes sèches pendant les travaux", "Pendant le chantier, garder des sanitaires "
     "pour les forains et les clients.", "solidarites"),
]
COMMENTS = [
    ("Tout à fait d'accord, l'été la place est invivable.", 1),
    ("Bonne idée, mais qui va l'entretenir ?", 0),
    ("Je suis contre : cela coûtera trop cher pour un usage limité.", -1),
    ("Il faudrait demander l'avis des commerçants du marché.", 0),
    ("Oui ! Mes enfants en profiteraient tous les jours.", 1),
    ("Attention au bruit pour les riverains le soir.", -1),
    ("À Tours ils l'ont fait et c'est une réussite.", 1),
    ("Et pour les personnes âgées qui viennent en voiture ?", 0),
    ("Je soutiens, à condition de garder le marché du samedi.", 1),
    ("Pas prioritaire par rapport aux arbres et à l'ombre.", -1),
    ("Peut-être en version plus petite pour commencer ?", 0),
    ("Excellente proposition, j'espère qu'elle sera retenue.", 1),
]
REPLIES = [
    ("Les services techniques pourraient s'en charger avec les associations.", 0),
    ("Justement, c'est ce que prévoit la proposition.", 1),
    ("Je ne suis pas convaincu, il faudrait chiffrer.", -1),
    ("D'accord avec vous sur ce point.", 1),
]


def load(organisation: Organisation, rng: random.Random) -> None:
    space = Space.objects.filter(organisation=organisation, slug="place-du-marche").first()
    if space is None:
        return
    component, _c = Component.objects.update_or_create(
        space=space, kind="proposals", title="Vos idées pour la place",
        defaults={"is_published": True, "position": 2,
                  "settings": {"support_limit": 10, "report_threshold": 3,
                               "edit_window_minutes": 30}})
    for phase in space.phases.all():
        actions = {"Contributions": ["create", "comment", "support"],
                   "Synthèse et ateliers": ["comment"]}.get(phase.title, [])
        ComponentStep.objects.update_or_create(component=component, phase=phase,
                                               defaults={"actions": actions})
    if Proposal.objects.filter(component=component).exists():
        return  # loaded before: a second run adds nothing
    rng = random.Random(rng.random())
    citizens = list(User.objects.filter(email__endswith="@habitants.example").order_by("email"))
    if not citizens:
        return
    themes = {t.slug: t for t in Theme.objects.filter(organisation=organisation)}
    areas = list(Area.objects.filter(organisation=organisation))
    agent = User.objects.filter(email="accueil@montreval.example").first()
    evaluator = User.objects.filter(email="services.techniques@montreval.example").first()
    now = timezone.now()
    proposals = []
    for n, (title, body, theme) in enumerate(IDEAS):
        published = now - dt.timedelta(days=rng.uniform(0.2, 13.5))
        channel = "online"
        if n % 9 == 4:
            channel = rng.choice(["paper", "stand", "workshop", "phone"])
        place = {}
        if n % 2 == 0:  # half of them have a place on the map, around the square
            place = {"latitude": round(DEMO_SQUARE[0] + rng.uniform(-0.0015, 0.0015), 6),
                     "longitude": round(DEMO_SQUARE[1] + rng.uniform(-0.002, 0.002), 6),
                     "address": "Place du Marché, Montreval"}
        proposals.append(Proposal(
            component=component, author=rng.choice(citizens), title=title, **place,
            body=f"<p>{body}</p>", theme=themes.get(theme), area=rng.choice(areas),
            state="published", channel=channel, published_at=published,
            editable_until=published + dt.timedelta(minutes=30),
            created_by_agent=agent if channel != "online" else None))
    proposals = Proposal.objects.bulk_create(proposals)
    for proposal in proposals:
        Proposal.objects.filter(pk=proposal.pk).update(created_at=proposal.published_at)
    ProposalVersion.objects.bulk_create([
        ProposalVersion(proposal=p, number=1, title=p.title, body=p.body, edited_by=p.author)
        for p in proposals])
    index_for_search(Proposal.objects.filter(component=component))
    _supports(component, proposals, citizens, rng)
    _comments(proposals, citizens, rng)
    _answers(proposals, evaluator, now)


def _supports(component, proposals, citizens, rng) -> None:
    weights = [rng.paretovariate(1.3) for _p in proposals]
    rows, given = [], {}
    for person in citizens[:150]:
        for proposal in set(rng.choices(proposals, weights=weights, k=rng.randint(0, 8))):
            rows.append(Support(proposal=proposal, user=person, component=component,
                                channel="online"))
            given[person.pk] = given.get(person.pk, 0) + 1
    Support.objects.bulk_create(rows)
    counts = dict(Support.objects.filter(component=component).values("proposal")
                  .annotate(n=Count("pk")).values_list("proposal", "n"))
    for proposal in proposals:
        Proposal.objects.filter(pk=proposal.pk).update(support_count=counts.get(proposal.pk, 0))


def _comments(proposals, citizens, rng) -> None:
    for proposal in proposals:
        roots = []
        for _n in range(rng.choice([0, 1, 2, 2, 3, 4, 6])):
            text, alignment = rng.choice(COMMENTS)
            roots.append(Comment(proposal=proposal, author=rng.choice(citizens), body=text,
                                 alignment=alignment))
        roots = Comment.objects.bulk_create(roots)
        replies = []
        for root in roots:
            if rng.random() < 0.35:
                text, alignment = rng.choice(REPLIES)
                replies.append(Comment(proposal=proposal, parent=root, depth=1,
                                       author=rng.choice(citizens), body=text,
                                       alignment=alignment))
        Comment.objects.bulk_create(replies)
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=len(roots) + len(replies))


def _answers(proposals, evaluator, now) -> None:
    answers = [
        (0, "accepted", "Retenue : douze platanes seront plantés côté mairie dès l'automne "
         "2027.", 84000),
        (3, "accepted", "Le marché du samedi restera sur toute la place ; les bornes sont "
         "prévues au projet.", 36000),
        (5, "evaluating", "Les services étudient le report du stationnement vers le parking de "
         "la Gare.", None),
        (12, "rejected", "Non retenue : un terrain de pétanque existe déjà au square Colette, "
         "à 300 m.", None),
        (16, "rejected", "Non retenue : le réseau de bus dessert déjà Les Vignes et Bel-Air "
         "le samedi.", None),
        (46, "accepted", "Le tilleul sera conservé et protégé pendant toute la durée du "
         "chantier.", 4500),
    ]
    for index, state, text, cost in answers:
        if index < len(proposals):
            Answer.objects.create(proposal=proposals[index], state=state, text=f"<p>{text}</p>",
                                  cost=cost, is_published=True, published_at=now,
                                  answered_by=evaluator)
