"""A citizens' assembly with two criteria, 24 invited households and a helper to register."""

from __future__ import annotations

import re

import pytest

CENSUS = ("feature,value,share\nGenre,Femme,52\nGenre,Homme,48\n"
          "Âge,16-34 ans,30\nÂge,35-59 ans,40\nÂge,60 ans et plus,30\n")


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are matched in English (requests use the visitor's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def organiser(make_user, assembly):
    """A space admin of the assembly's space (organisers are space or organisation admins)."""
    from parlons.platform.spaces.models import SpaceRole

    user = make_user("organisatrice@example.org", display_name="Organisatrice")
    SpaceRole.objects.create(space=assembly.component.space, user=user, role="admin")
    return user


@pytest.fixture
def org_agent(make_staff, organisation):
    return make_staff(organisation, "agent", "agent@example.org", "Agent")


@pytest.fixture
def assembly(organisation, org_admin):
    from parlons.platform.assemblies import services
    from parlons.platform.spaces.models import Component, Space

    space = Space.objects.create(organisation=organisation, title="Convention citoyenne",
                                 slug="convention", is_published=True, visibility="public")
    component = Component.objects.create(space=space, kind="assembly", title="La convention",
                                         is_published=True)
    assembly = services.create_assembly(component)
    assembly = services.update_settings(actor=org_admin, assembly=assembly, panel_size=6,
                                        algorithm="leximin", quota_tolerance=0,
                                        registration_open=True,
                                        data_retention_until=assembly.data_retention_until)
    services.import_quotas(actor=org_admin, assembly=assembly, raw=CENSUS.encode())
    rows = "\n".join(f"Foyer {n},{n} rue des Lilas,45000,Orléans" for n in range(1, 31))
    services.import_addresses(actor=org_admin, assembly=assembly,
                              raw=f"nom,adresse,code postal,ville\n{rows}\n".encode())
    services.draw_invitations(actor=org_admin, assembly=assembly, kind="address", count=24,
                              seed="graine")
    assembly.refresh_from_db()
    return assembly


@pytest.fixture
def codes(assembly):
    return list(assembly.recipients.filter(code__isnull=False).order_by("pk")
                .values_list("code", flat=True))


POOL = [("Femme", "16-34 ans")] * 4 + [("Femme", "35-59 ans")] * 5 + \
    [("Femme", "60 ans et plus")] * 4 + [("Homme", "16-34 ans")] * 2 + \
    [("Homme", "35-59 ans")] * 3 + [("Homme", "60 ans et plus")] * 4


@pytest.fixture
def register():
    from parlons.platform.assemblies import services

    def run(assembly, code, genre="Femme", age="35-59 ans", **contact):
        contact.setdefault("last_name", "Martin")
        contact.setdefault("email", f"{re.sub('[^a-z0-9]', '', code.lower())}@example.org")
        return services.register_volunteer(assembly=assembly, code=code, contact=contact,
                                           answers={"Genre": genre, "Âge": age}, consent=True)

    return run


@pytest.fixture
def pool(assembly, codes, register):
    """22 volunteers (the first 22 codes) whose answers lean towards women and older people."""
    return [register(assembly, code, genre, age, first_name=f"Prénom{n}")
            for n, (code, (genre, age)) in enumerate(zip(codes, POOL, strict=False))]
