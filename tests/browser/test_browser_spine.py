"""The spine in a real browser: sign-up to process page; back office to home page; keyboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public_process(organisation):
    from parlons.platform.spaces.models import Phase, Space

    today = timezone.localdate()
    space = Space.objects.create(organisation=organisation, title="Place du Marché",
                                 slug="place-du-marche", summary="Donnez votre avis",
                                 description="<p>Des arbres et de l'ombre.</p>",
                                 is_published=True)
    Phase.objects.create(space=space, title="Contributions", start_date=today,
                         end_date=today + dt.timedelta(10), call_to_action="Contribuez")
    return space


def test_signup_confirm_login_then_process_page(page, visit, check_accessibility,
                                                public_process):
    visit("/")
    page.get_by_role("link", name="Inscription").first.click()
    check_accessibility(page)
    page.get_by_label("Adresse e-mail").fill("nouvelle@example.org")
    page.get_by_label("Mot de passe", exact=False).first.fill("un-mot-de-passe-tres-long")
    page.get_by_role("button", name=re.compile("Créer mon compte|S'inscrire", re.I)).click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/compte/confirmation/\S+/", mail.outbox[0].body).group(0)
    visit("/" + link.split("/", 3)[3])  # the confirmation link, on the live server
    if "/compte/connexion/" not in page.url:
        page.get_by_role("link", name=re.compile("connecter|Connexion", re.I)).first.click()
    page.get_by_label("Adresse e-mail").fill("nouvelle@example.org")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-tres-long")
    page.get_by_role("button", name=re.compile("Se connecter|Connexion", re.I)).click()
    page.wait_for_load_state()
    visit(f"/participer/{public_process.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Place du Marché"
    assert "Contributions" in page.content()
    assert page.get_by_role("link", name=re.compile("Mon compte")).count() == 1


def test_back_office_creates_process_with_two_phases(page, visit, check_accessibility,
                                                     org_admin):
    visit("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(org_admin.email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-42")
    page.get_by_role("button", name=re.compile("Se connecter", re.I)).click()
    page.wait_for_load_state()
    visit("/gestion/")
    page.get_by_role("link", name="Créer un espace").click()
    check_accessibility(page)
    page.get_by_label("Titre").fill("Plan vélo 2027")
    page.get_by_label("Résumé").fill("Où faut-il des pistes cyclables ?")
    page.get_by_label("Publié").check()
    page.get_by_role("button", name="Créer").click()
    page.wait_for_load_state()
    check_accessibility(page)
    today = timezone.localdate()
    for title, start, end in (("Avis", today, today + dt.timedelta(9)),
                              ("Synthèse", today + dt.timedelta(10), today + dt.timedelta(30))):
        form = page.locator("form", has=page.locator("input[name=form][value=phase]"))
        form.get_by_label("Titre").fill(title)
        form.get_by_label("Date de début").fill(start.isoformat())
        form.get_by_label("Date de fin").fill(end.isoformat())
        form.get_by_role("button", name="Ajouter la phase").click()
        page.wait_for_load_state()
    assert page.get_by_role("cell", name="Synthèse", exact=True).count() == 1
    check_accessibility(page)
    visit("/")
    assert "Plan vélo 2027" in page.content()
    page.get_by_role("link", name="Plan vélo 2027").click()
    check_accessibility(page)
    assert "Avis" in page.content() and "Synthèse" in page.content()


def test_keyboard_only_navigation(page, visit, check_accessibility, public_process):
    visit("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Aller au contenu" in focused
    page.keyboard.press("Enter")
    # Tab to the process link and follow it with the keyboard only.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Place du Marché":
            break
    else:
        pytest.fail("the process link cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/participer/place-du-marche/"))
    check_accessibility(page)


@pytest.mark.parametrize("path", ["/participer/", "/recherche/?q=place", "/plan-du-site/",
                                  "/accessibilite/", "/informations/privacy/",
                                  "/compte/inscription/", "/compte/mot-de-passe/"])
def test_public_pages_are_accessible(visit, public_process, path):
    visit(path)
