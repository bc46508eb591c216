"""Demo data: the “Convention citoyenne de Montreval” on the city's climate plan.

3,000 addresses, 2,000 letters drawn, about 300 volunteers (online and by phone) whose answers
lean the way real volunteers do (older, more graduates), census-like quotas, the public draw
with a published seed (maximin: leximin takes about 30 s of CPU on this pool), a few declines
and a replacement round, two sessions.
Idempotent: once drawn, the assembly is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
import sys

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from parlons.platform.accounts.models import User
from parlons.platform.assemblies import services
from parlons.platform.assemblies.models import Recipient, Volunteer
from parlons.platform.organisations.models import Area, Organisation, OrganisationRole
from parlons.platform.spaces.models import Component, Phase, Space

SLUG = "convention-citoyenne"
STREETS = ["rue des Lilas", "avenue de la Loire", "rue Victor-Hugo", "boulevard Jean-Jaurès",
           "rue du Moulin", "allée des Tilleuls", "rue de la Gare", "impasse des Vignes",
           "place du Marché", "rue Pasteur", "chemin de Bel-Air", "rue du Plateau",
           "rue Jeanne-d'Arc", "quai des Mariniers", "rue des Écoles", "avenue de la République"]
FIRST = ["Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Nathalie", "Isabelle", "Sylvie",
         "Monique", "Fatima", "Aïcha", "Lucas", "Hugo", "Thomas", "Nicolas", "Julien", "Karim",
         "Mohamed", "Pierre", "Jean", "Michel", "Alain", "Patrick", "Louis", "Gabriel"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Benali", "Nguyen", "Da Silva", "Mercier"]
# INSEE-like shares for a French town of 40,000 inhabitants aged 16 and over (%).
CENSUS = {
    "Genre": [("Femme", 52.4), ("Homme", 47.6)],
    "Âge": [("16-29 ans", 20.5), ("30-44 ans", 23.0), ("45-59 ans", 24.5),
            ("60-74 ans", 20.5), ("75 ans et plus", 11.5)],
    "Diplôme": [("Sans diplôme ou brevet", 27.0), ("CAP ou BEP", 24.5), ("Baccalauréat", 17.5),
                ("Études supérieures", 31.0)],
}
# How much more likely each value is to volunteer (self-selection seen in real recruitments).
BIAS = {"Femme": 1.1, "60-74 ans": 1.6, "75 ans et plus": 0.8, "16-29 ans": 0.6,
        "Études supérieures": 1.8, "Sans diplôme ou brevet": 0.55}
PUBLIC_SEED = "Loto du 14 novembre 2026 : 7 12 23 38 41 – numéro chance 5"


def _census(areas: list[Area]) -> bytes:
    total = sum(a.population or 0 for a in areas) or 1
    rows = [(f, v, s) for f, values in CENSUS.items() for v, s in values]
    rows += [("Quartier", a.name, round(100 * (a.population or 0) / total, 3)) for a in areas]
    return ("feature,value,share\n" + "".join(f"{f},{v},{s}\n" for f, v, s in rows)).encode()


def _answer(rng: random.Random, values: list[tuple[str, float]]) -> str:
    weights = [share * BIAS.get(value, 1.0) for value, share in values]
    return rng.choices([v for v, _s in values], weights=weights)[0]


def load(organisation: Organisation, rng: random.Random) -> None:
    admin = User.objects.filter(organisation_roles__organisation=organisation,
                                organisation_roles__role=OrganisationRole.Role.ADMIN).first()
    agent = User.objects.filter(organisation_roles__organisation=organisation,
                                organisation_roles__role=OrganisationRole.Role.AGENT).first()
    areas = list(Area.objects.filter(organisation=organisation).order_by("pk"))
    if admin is None or not areas:
        return
    today = timezone.localdate()
    d = dt.timedelta
    space, _c = Space.objects.update_or_create(organisation=organisation, slug=SLUG, defaults={
        "title": "Convention citoyenne de Montreval",
        "summary": "40 habitantes et habitants tirés au sort écrivent le plan climat de la ville.",
        "description": "<p>De janvier à juin, 40 personnes tirées au sort, à l'image de la "
                       "population, se réunissent six samedis pour proposer au conseil "
                       "municipal les mesures du plan climat.</p>",
        "is_published": True, "visibility": "public",
        "start_date": today - d(60), "end_date": today + d(150)})
    for position, (title, start, end) in enumerate([
            ("Recrutement", today - d(60), today - d(15)),
            ("Tirage au sort", today - d(14), today - d(1)),
            ("Sessions", today, today + d(150))]):
        Phase.objects.update_or_create(space=space, title=title, defaults={
            "start_date": start, "end_date": end, "position": position})
    component, _c = Component.objects.update_or_create(
        space=space, kind="assembly", title="La convention citoyenne",
        defaults={"is_published": True, "position": 0})
    assembly = services.create_assembly(component)
    if assembly.draws.exists():
        return
    assembly.volunteers.all().delete()
    assembly.recipients.all().delete()
    assembly.batches.all().delete()
    assembly = services.update_settings(actor=admin, assembly=assembly, panel_size=40,
                             algorithm="maximin", quota_tolerance=1, registration_open=True,
                             data_retention_until=today + d(365))
    services.import_quotas(actor=admin, assembly=assembly, raw=_census(areas))
    lines = ["nom,adresse,code postal,ville"]
    for n in range(3000):
        lines.append(f"Foyer {n + 1},{n // len(STREETS) + 1} {STREETS[n % len(STREETS)]},"
                     f"45999,Montreval")
    services.import_addresses(actor=admin, assembly=assembly,
                              raw="\n".join(lines).encode())
    services.generate_phone_numbers(actor=admin, assembly=assembly, prefixes=["06", "07"],
                                    count=400, seed="montreval-telephone")
    services.draw_invitations(actor=admin, assembly=assembly, kind=Recipient.Kind.ADDRESS,
                              count=2000, seed="courriers-montreval-2026")
    services.draw_invitations(actor=admin, assembly=assembly, kind=Recipient.Kind.PHONE,
                              count=300, seed="appels-montreval-2026")
    census = {**CENSUS, "Quartier": [(a.name, float(a.population or 1)) for a in areas]}
    invited = list(assembly.recipients.filter(code__isnull=False).order_by("pk"))
    for recipient in rng.sample(invited, 300):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        by_phone = recipient.kind == Recipient.Kind.PHONE
        services.register_volunteer(
            assembly=assembly, code=recipient.code,
            contact={"first_name": first, "last_name": last,
                     "email": "" if by_phone else
                     f"{slugify(first)}.{slugify(last)}.{recipient.pk}@courriel.example",
                     "phone": recipient.phone or f"06{rng.randrange(10**8):08d}"},
            answers={feature: _answer(rng, values) for feature, values in census.items()},
            consent=True, agent=agent if by_phone and agent else None)
    services.public_draw(actor=admin, assembly=assembly, seed=PUBLIC_SEED)
    drawn = list(assembly.volunteers.filter(status=Volunteer.Status.SELECTED).order_by("pk"))
    for n, volunteer in enumerate(drawn):
        services.respond(actor=admin, volunteer=volunteer, accept=n % 13 != 5)
    try:
        services.replacement_draw(actor=admin, assembly=assembly, seed="tirage complémentaire")
    except ValidationError as error:
        # The volunteers are random: the declined seats may have no volunteer left who keeps
        # every quota. The demo then shows the panel without a replacement round.
        print(f"demo: no replacement round ({error.messages[0][:80]})", file=sys.stderr)
    for n, (title, when) in enumerate([("Session 1 : comprendre le climat local", -7),
                                       ("Session 2 : mobilités et logement", 7)]):
        session = services.create_session(actor=admin, assembly=assembly, title=title,
                                          date=today + d(when), place="Salle des fêtes")
        if n == 0:
            members = list(assembly.volunteers.filter(status=Volunteer.Status.CONFIRMED))
            services.record_attendance(actor=admin, session=session,
                                       present=[m.pk for m in members if rng.random() < 0.9])
