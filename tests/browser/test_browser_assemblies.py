"""The citizens' assembly in a real browser: registration with a letter's code (a wrong code
told why, then a good one), the public composition of the drawn panel; axe-core on each page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

CENSUS = b"feature,value,share\nGenre,Femme,52\nGenre,Homme,48\n"


@pytest.fixture
def assembly(organisation, org_admin):
    from parlons.platform.assemblies import services
    from parlons.platform.spaces.models import Component, Space

    space = Space.objects.create(organisation=organisation, title="Convention citoyenne",
                                 slug="convention", is_published=True)
    component = Component.objects.create(space=space, kind="assembly", title="La convention",
                                         is_published=True)
    assembly = services.update_settings(actor=org_admin,
                                        assembly=services.create_assembly(component),
                                        panel_size=4)
    services.import_quotas(actor=org_admin, assembly=assembly, raw=CENSUS)
    rows = "\n".join(f"{n} rue des Lilas,45000,Orléans" for n in range(1, 11))
    services.import_addresses(actor=org_admin, assembly=assembly,
                              raw=f"adresse,code postal,ville\n{rows}\n".encode())
    services.draw_invitations(actor=org_admin, assembly=assembly, kind="address", count=10,
                              seed="navigateur")
    return assembly


def test_register_by_code_then_composition(page, visit, check_accessibility, assembly,
                                           org_admin):
    from parlons.platform.assemblies import services
    from parlons.platform.assemblies.models import Volunteer

    codes = list(assembly.recipients.filter(code__isnull=False).order_by("pk")
                 .values_list("code", flat=True))
    url = f"/participer/convention/c/{assembly.component_id}/"
    visit(url + "?v=register")
    check_accessibility(page)
    page.get_by_label("Code imprimé sur le courrier").fill("ABCD-EFGH-JKLM")
    page.locator("#id_last_name").fill("Lambert")
    page.get_by_label("E-mail").fill("zoe@example.org")
    page.get_by_label("Femme").check()
    page.get_by_label(re.compile("J’accepte|J'accepte")).check()
    page.get_by_role("button", name="Je me porte volontaire").click()
    page.wait_for_load_state()
    assert page.locator("#form-errors").is_visible()
    assert "pas valide" in page.locator("#form-errors").inner_text()
    check_accessibility(page)
    page.get_by_label("Code imprimé sur le courrier").fill(codes[0].lower())
    page.get_by_label("Femme").check()
    page.get_by_label(re.compile("J’accepte|J'accepte")).check()
    page.get_by_role("button", name="Je me porte volontaire").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("inscrit")).is_visible()
    check_accessibility(page)
    assert Volunteer.objects.get().last_name == "Lambert"

    for n, code in enumerate(codes[1:9]):
        services.register_volunteer(assembly=assembly, code=code,
                                    contact={"last_name": f"N{n}", "email": f"v{n}@example.org"},
                                    answers={"Genre": "Homme" if n % 2 else "Femme"},
                                    consent=True)
    services.public_draw(actor=org_admin, assembly=assembly, seed="tirage public")
    visit(url + "?v=composition")
    table = page.get_by_role("table").first
    assert "52,0 %" in table.inner_text() or "52.0 %" in table.inner_text()
    assert "Lambert" not in page.content()
    check_accessibility(page)
    visit(url + "?v=report&round=1")
    assert "tirage public" in page.content()
    check_accessibility(page)


def test_back_office_pages_are_accessible(page, visit, check_accessibility, assembly,
                                          org_admin):
    from parlons.platform.assemblies import services

    codes = list(assembly.recipients.filter(code__isnull=False).values_list("code", flat=True))
    for n, code in enumerate(codes[:8]):
        services.register_volunteer(assembly=assembly, code=code,
                                    contact={"last_name": f"N{n}", "email": f"v{n}@example.org"},
                                    answers={"Genre": "Homme" if n % 2 else "Femme"},
                                    consent=True)
    visit("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(org_admin.email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-42")
    page.get_by_role("button", name=re.compile("Se connecter", re.I)).click()
    page.wait_for_load_state()
    base = f"/gestion/composants/{assembly.component_id}/contenu/"
    visit(base + "?s=quotas")
    page.get_by_role("button", name="Simuler").click()
    page.wait_for_load_state()
    assert "Probabilité de sélection minimale" in page.content()
    check_accessibility(page)
    visit(base + "?s=draw")
    page.get_by_label("Graine du tirage").fill("Loto du samedi")
    page.get_by_role("button", name="Tirer l'assemblée au sort").click()
    page.wait_for_load_state()
    assert "Loto du samedi" in page.content()
    check_accessibility(page)
    for section in ("", "campaign", "volunteers", "panel", "sessions"):
        visit(base + f"?s={section}")
        check_accessibility(page)
