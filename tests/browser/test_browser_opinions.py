"""The opinions component in a real browser: vote on three statements (htmx), submit one,
see the results page; every page axe-clean."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

AGREE = re.compile(r"^(Agree|D['’]accord)$")
DISAGREE = re.compile(r"^(Disagree|Pas d['’]accord)$")
PASS = re.compile(r"^(Pass|Passer)\b")


@pytest.fixture
def opinions_component(organisation):
    from parlons.platform.opinions.computation import recompute
    from parlons.platform.opinions.models import Participant, Statement, Vote
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    today = timezone.localdate()
    space = Space.objects.create(organisation=organisation, title="Place du Marché",
                                 slug="place-du-marche", is_published=True)
    phase = Phase.objects.create(space=space, title="Contributions", start_date=today,
                                 end_date=today + dt.timedelta(10))
    component = Component.objects.create(space=space, kind="opinions", title="Vos avis",
                                         is_published=True, settings={"anonymous": True})
    ComponentStep.objects.create(component=component, phase=phase,
                                 actions=["vote", "submit_statement"])
    texts = ["Plus d'arbres sur la place.", "Moins de voitures.", "Un parking souterrain.",
             "Garder le marché du samedi.", "Des jeux d'eau l'été."]
    statements = [Statement.objects.create(component=component, text=t, state="accepted",
                                           is_seed=True) for t in texts]
    votes = []
    for i in range(20):
        participant = Participant.objects.create(component=component, browser_id=f"b{i}")
        for j, st in enumerate(statements):
            value = 1 if j == 3 or (j < 2) == (i % 2 == 0) else -1
            votes.append(Vote(component=component, participant=participant, statement=st,
                              value=value))
    Vote.objects.bulk_create(votes)
    recompute(component.pk)
    return component


def test_vote_submit_and_results(page, visit, check_accessibility, opinions_component):
    from parlons.platform.opinions.models import Statement, Vote

    url = f"/participer/{opinions_component.space.slug}/c/{opinions_component.pk}/"
    visit(url)
    seen = []
    for button in (AGREE, DISAGREE, PASS):
        text = page.locator(".opinions-statement").inner_text().strip()
        assert text not in seen
        seen.append(text)
        page.get_by_role("button", name=button).click()
        page.wait_for_function(
            "t => !document.querySelector('.opinions-statement') || "
            "document.querySelector('.opinions-statement').innerText.trim() !== t", arg=text)
    check_accessibility(page)
    assert Vote.objects.filter(participant__browser_id__startswith="").exclude(
        participant__browser_id__regex=r"^b\d+$").count() == 3
    page.locator("textarea[name=text]").fill("Une boîte à livres près des bancs.")
    page.get_by_role("button", name=re.compile("Submit my statement|Proposer|Envoyer",
                                               re.I)).click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert Statement.objects.get(text="Une boîte à livres près des bancs.").state == "pending"
    visit(url + "?view=results")
    assert page.locator("svg[role=img]").count() == 1
    assert page.locator("table.opinions-table").count() >= 2


def test_moderation_and_backoffice_pages(page, visit, live_server, org_admin,
                                         opinions_component):
    from django.conf import settings
    from django.test import Client

    from parlons.platform.opinions.models import Statement

    pending = Statement.objects.create(component=opinions_component, text="Un kiosque.")
    client = Client()
    client.force_login(org_admin)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])
    visit(f"/gestion/composants/{opinions_component.pk}/contenu/")
    visit(f"/participer/{opinions_component.space.slug}/c/{opinions_component.pk}/"
          "?view=moderate")
    page.get_by_role("button", name=re.compile(r"^(Accept|Accepter)\b")).first.click()
    page.wait_for_load_state()
    pending.refresh_from_db()
    assert pending.state == "accepted"
