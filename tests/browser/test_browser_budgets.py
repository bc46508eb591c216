"""The participatory budget in a real browser: over-budget basket told why (htmx and without),
review and confirm, edit, check the receipt; axe-core on every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def budget_vote(organisation, citizen):
    from parlons.platform.budgets.models import Budget, BudgetProject, Eligibility
    from parlons.platform.organisations.models import Area
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    today = timezone.localdate()
    area = Area.objects.create(organisation=organisation, name="Centre", slug="centre")
    space = Space.objects.create(organisation=organisation, title="Budget participatif",
                                 slug="bp", is_published=True)
    phase = Phase.objects.create(space=space, title="Vote", start_date=today - dt.timedelta(1),
                                 end_date=today + dt.timedelta(10))
    component = Component.objects.create(space=space, kind="budget", title="Projets",
                                         is_published=True)
    ComponentStep.objects.create(component=component, phase=phase, actions=["vote"])
    budget = Budget.objects.create(component=component, title="Toute la ville", amount=100_000,
                                   secret_ballot=False)
    projects = {t: BudgetProject.objects.create(budget=budget, title=t, description="<p>d</p>",
                                                estimated_cost=c, state="feasible")
                for t, c in (("Pistes cyclables", 60_000), ("Skatepark", 50_000),
                             ("Fresque", 20_000))}
    Eligibility.objects.create(component=component, user=citizen, area=area,
                               age_confirmed=True)
    return {"component": component, "budget": budget, "projects": projects,
            "url": f"/participer/bp/c/{component.pk}/"}


def _login(page, visit, user):
    visit("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-42")
    page.get_by_role("button", name=re.compile("Se connecter", re.I)).click()
    page.wait_for_load_state()


def test_basket_over_budget_confirm_edit_and_receipt(page, visit, check_accessibility,
                                                     budget_vote, citizen):
    from parlons.platform.budgets.models import Ballot

    p = budget_vote["projects"]
    url = budget_vote["url"] + f"?v=vote&b={budget_vote['budget'].pk}"
    _login(page, visit, citizen)
    visit(url)
    page.locator(f"#project-{p['Pistes cyclables'].pk}").check()
    page.locator(f"#project-{p['Skatepark'].pk}").check()
    page.locator("#basket.basket-over").wait_for()  # htmx, computed by the server
    assert "10000" in page.locator("#basket").inner_text()
    check_accessibility(page)
    page.locator("form[hx-post] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#form-errors").count() == 1
    assert "10000" in page.locator("#form-errors").inner_text()
    check_accessibility(page)
    assert Ballot.objects.count() == 0
    page.locator(f"#project-{p['Skatepark'].pk}").uncheck()
    page.locator(f"#project-{p['Fresque'].pk}").check()
    page.locator("form[hx-post] button[type=submit]").click()
    page.wait_for_load_state()
    check_accessibility(page)  # the review step
    assert "Fresque" in page.content() and Ballot.objects.count() == 0
    page.locator("form:has(input[value=confirm]) button").click()
    page.wait_for_load_state()
    check_accessibility(page)
    receipt = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", receipt)
    assert Ballot.objects.count() == 1
    # edit: the basket comes back ticked; keep only the cycle lanes
    visit(url)
    assert page.locator(f"#project-{p['Fresque'].pk}").is_checked()
    page.locator(f"#project-{p['Fresque'].pk}").uncheck()
    page.locator("form[hx-post] button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form:has(input[value=confirm]) button").click()
    page.wait_for_load_state()
    new_receipt = page.locator("#receipt-code").inner_text().strip()
    ballot = Ballot.objects.get()
    assert [c.project_id for c in ballot.choices.all()] == [p["Pistes cyclables"].pk]
    # check the receipt, as anyone would
    visit(budget_vote["url"] + "?v=receipt")
    page.locator("#id_code").fill(new_receipt)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.locator(".message-success").count() == 1
    assert "Pistes" not in page.locator("[role=status]").last.inner_text()


def test_paper_double_entry_mismatch_then_admin_publishes(page, visit, check_accessibility,
                                                          budget_vote, make_user, org_admin,
                                                          organisation):
    from parlons.platform.organisations.models import OrganisationRole
    from parlons.platform.spaces.models import Phase

    today = timezone.localdate()
    space = budget_vote["component"].space
    vote = space.phases.get()
    vote.start_date, vote.end_date = today - dt.timedelta(10), today - dt.timedelta(1)
    vote.save()  # the vote is closed: paper sheets are entered, results published
    Phase.objects.create(space=space, title="Résultats", start_date=today,
                         end_date=today + dt.timedelta(5), position=1)
    agents = [make_user(f"agent{i}@example.org") for i in (1, 2)]
    for agent in agents:
        OrganisationRole.objects.create(organisation=organisation, user=agent, role="agent")
    p = budget_vote["projects"]
    paper = budget_vote["url"] + "?v=paper"
    for agent, sheet, ticked in ((agents[0], 1, p["Fresque"].pk),
                                 (agents[1], 1, p["Skatepark"].pk),
                                 (agents[0], 2, p["Fresque"].pk),
                                 (agents[1], 2, p["Fresque"].pk)):
        page.context.clear_cookies()
        _login(page, visit, agent)
        visit(paper)
        page.locator("#id_budget").select_option(str(budget_vote["budget"].pk))
        page.locator("#id_station").fill("Mairie annexe")
        page.locator("#id_number").fill(str(sheet))
        page.locator("#id_first_name").fill(f"Votant {sheet}")
        page.locator("#id_last_name").fill("Papier")
        page.locator("#id_birth_date").fill(f"1970-01-0{sheet}")
        page.locator("#id_area").select_option(index=1)
        page.locator("#id_projects").fill(str(ticked))
        page.locator("form:has(#id_station) button[type=submit]").click()
        page.wait_for_load_state()
        check_accessibility(page)
    # the last agent sees sheet 1 flagged among the mismatches
    assert page.locator(".form-errors[role=alert]").count() == 1
    assert "Mairie annexe" in page.locator(".form-errors[role=alert]").inner_text()
    page.context.clear_cookies()
    _login(page, visit, org_admin)
    visit(f"/gestion/composants/{budget_vote['component'].pk}/contenu/")
    page.locator("form:has(input[name=op][value=count]) button").click()
    page.wait_for_load_state()
    page.locator("form:has(input[name=op][value=publish]) button").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.context.clear_cookies()
    visit(budget_vote["url"] + f"?v=results&b={budget_vote['budget'].pk}")
    first_row = page.locator("table.results-table tbody tr").first.inner_text()
    assert "Fresque" in first_row and re.search(r"\b(oui|yes)\b", first_row)
    assert page.get_by_role("link", name=re.compile("Pabulib")).count() == 1


def test_vote_with_a_code_without_account(page, visit, check_accessibility, budget_vote,
                                          org_admin, organisation):
    """A letter's code: typed, budgets listed, basket, review, confirm, receipt; the agent's
    pages too; axe on each page."""
    from parlons.platform.budgets import census
    from parlons.platform.budgets.models import Ballot, CensusEntry
    from parlons.platform.organisations.models import Area

    component = budget_vote["component"]
    component.settings = {"eligibility": "area_and_city", "minimum_age": 16, "census": True,
                          "voting_codes": True}
    component.save()
    area = Area.objects.get(organisation=organisation, slug="centre")
    CensusEntry.objects.create(component=component, line=2, last_name="Martin",
                               first_name="Léa", birth_date=dt.date(1990, 3, 12), area=area,
                               identity_key=census.census_key("Léa", "Martin",
                                                              dt.date(1990, 3, 12)))
    (entry, code), = census.issue_letter_codes(actor=org_admin, component=component)
    p = budget_vote["projects"]
    visit(budget_vote["url"])
    page.get_by_role("link", name=re.compile("Voter avec un code")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.locator("#id_code").fill("ABCD-EFGH-JKLM-NPQR")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "pas valide" in page.content()
    check_accessibility(page)
    page.locator("#id_code").fill(code.lower())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    check_accessibility(page)  # the budgets open to this code
    page.locator("form:has(input[value=start]) button").first.click()
    page.wait_for_load_state()
    assert code not in page.url
    page.locator(f"#project-{p['Pistes cyclables'].pk}").check()
    page.locator(f"#project-{p['Skatepark'].pk}").check()
    page.locator("#basket.basket-over").wait_for()
    check_accessibility(page)
    page.locator(f"#project-{p['Skatepark'].pk}").uncheck()
    page.locator("form[hx-post] button[type=submit]").click()
    page.wait_for_load_state()
    check_accessibility(page)  # review step
    assert Ballot.objects.count() == 0
    page.locator("form:has(input[value=confirm]) button").click()
    page.wait_for_load_state()
    check_accessibility(page)
    receipt = page.locator("#receipt-code").inner_text().strip()
    ballot = Ballot.objects.get()
    assert ballot.voter is None and ballot.channel == "code"
    assert ballot.receipt_hash != census.code_hash(code)
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", receipt)
    # the admin's and the agents' new pages
    _login(page, visit, org_admin)
    for query in ("?v=agent-vote", f"?v=photo&p={p['Fresque'].pk}"):
        visit(budget_vote["url"] + query)
        check_accessibility(page)
    visit(budget_vote["url"] + "?v=desk-code")
    page.locator("#id_first_name").fill("Léa")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_birth_date").fill("1990-03-12")
    page.locator("#id_checked").check()
    page.locator("form:has(#id_checked) button[type=submit]").click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert census.find_code(component, page.locator("#voting-code").inner_text()) is not None
    assert census.find_code(component, code) is None
    visit(f"/gestion/composants/{component.pk}/contenu/")
    check_accessibility(page)
