"""What the voting steps keep per process (``common.localcache``): the budget and the projects
on its ballot, and parts of the site layout. A change is seen at once, nothing leaks between
organisations or users, and authorization and "who voted" are always read."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from parlons.platform.budgets import census, selectors, services
from parlons.platform.budgets.models import Ballot, Budget, BudgetProject
from parlons.platform.common import localcache
from parlons.platform.common.templatetags.layout import KeepNode

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _codes(coded_pb, org_admin) -> dict[str, str]:
    return {e.last_name: c for e, c in census.issue_letter_codes(
        actor=org_admin, component=coded_pb["component"])}


def _url(pb, budget) -> str:
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/?v=code&b={budget.pk}"


def _review(client: Client, url: str, code: str, projects: list[int]):
    return client.post(url, {"code": code, "step": "review", "project": projects})


def test_a_project_withdrawn_during_the_vote_leaves_the_ballot_at_once(coded_pb, org_admin):
    codes, city = _codes(coded_pb, org_admin), coded_pb["city"]
    fresque = coded_pb["projects"]["Fresque"]
    client = Client()
    assert _review(client, _url(coded_pb, city), codes["Martin"], [fresque.pk]).status_code == 200

    fresque.state = BudgetProject.State.NOT_FEASIBLE
    fresque.save()

    page = _review(client, _url(coded_pb, city), codes["Martin"], [fresque.pk])
    assert page.status_code == 400
    assert "receipt" not in page.content.decode()
    assert fresque.pk not in selectors.ballot_projects(city)


def test_a_new_cost_is_checked_at_once(coded_pb, org_admin):
    """The copy of the projects is dropped when one is saved: the budget check uses the
    reviewed cost from the next request on."""
    codes, city = _codes(coded_pb, org_admin), coded_pb["city"]
    p = coded_pb["projects"]
    both = [p["Pistes cyclables"].pk, p["Fresque"].pk]  # 80,000 of 100,000 €
    client = Client()
    assert _review(client, _url(coded_pb, city), codes["Martin"], both).status_code == 200

    p["Fresque"].reviewed_cost = 45_000
    p["Fresque"].save()

    assert _review(client, _url(coded_pb, city), codes["Martin"], both).status_code == 400


def test_a_budget_is_never_served_to_another_organisation(pb, other_organisation):
    from parlons.platform.spaces.models import Component, Space

    city = pb["city"]
    assert selectors.ballot_budget(pb["component"], city.pk).pk == city.pk  # kept now
    space = Space.objects.create(organisation=other_organisation, title="BP", slug="bp",
                                 is_published=True)
    theirs = Component.objects.create(space=space, kind="budget", title="Projets",
                                      is_published=True)

    assert selectors.ballot_budget(theirs, city.pk) is None
    assert selectors.ballot_budget(pb["component"], "not a number") is None


def test_freezing_the_rules_drops_the_copies(pb, org_admin):
    """``freeze`` writes with ``update()`` (no signal): it drops the copies itself."""
    city = pb["city"]
    assert selectors.ballot_budget(pb["component"], city.pk).frozen_at is None
    services.open_vote(actor=org_admin, budget=city)
    assert selectors.ballot_budget(pb["component"], city.pk).frozen_at is not None


def test_rules_not_yet_frozen_are_read_from_the_database(coded_pb, org_admin):
    """Before the first ballot the rules may still change: the cast reads the stored row, not
    the copy, even when a change reached the database without dropping the copies."""
    codes, city = _codes(coded_pb, org_admin), coded_pb["city"]
    p = coded_pb["projects"]
    both = [p["Pistes cyclables"].pk, p["Jardin partagé"].pk]  # 90,000 €
    client = Client()
    url = _url(coded_pb, city)
    page = _review(client, url, codes["Martin"], both).content.decode()
    receipt = re.search(r'name="receipt" value="([A-Z0-9-]+)"', page).group(1)
    Budget.objects.filter(pk=city.pk).update(amount=80_000)  # no signal: the copy stays

    response = client.post(url, {"code": codes["Martin"], "step": "confirm", "project": both,
                                 "receipt": receipt})

    assert response.status_code == 400
    assert not Ballot.objects.filter(budget=city).exists()


def test_anonymising_an_author_drops_the_copies(pb, citizen):
    project = pb["projects"]["Fresque"]
    project.author = citizen
    project.save()
    token = localcache.shared_token()
    services.anonymise_personal_data(citizen)
    assert localcache.shared_token() != token


# --- the site layout ------------------------------------------------------------------------

def _page(client: Client, path: str, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


def test_the_kept_layout_is_byte_identical(coded_pb, org_admin, monkeypatch):
    """Rendered from the copies (second request) or without them, the page is the same, for
    a visitor and for a signed-in member of staff, in French and in English."""
    path = f"/participer/{coded_pb['space'].slug}/c/{coded_pb['component'].pk}/?v=code"
    staff = Client()
    staff.force_login(org_admin)
    seen = []
    for client in (Client(), staff):
        for language in ("fr", "en"):
            client.cookies["parlons_language"] = language
            seen.append([_page(client, path), _page(client, path)])
    monkeypatch.setattr(KeepNode, "render", lambda self, context: self.nodelist.render(context))
    for (client, language), (first, kept) in zip(
            [(c, lang) for c in (Client(), staff) for lang in ("fr", "en")], seen, strict=True):
        client.cookies["parlons_language"] = language
        assert first == kept == _page(client, path)
    assert ">Connexion<" in seen[0][1] and ">Log in<" in seen[1][1]
    assert "Administration" in seen[2][1] and org_admin.public_name in seen[2][1]
    assert org_admin.public_name not in seen[0][1]  # nothing of a user reaches the copies


def test_the_kept_layout_follows_the_organisation(coded_pb, organisation):
    path = f"/participer/{coded_pb['space'].slug}/c/{coded_pb['component'].pk}/?v=code"
    client = Client()
    assert "Ville de Montreval" in _page(client, path)
    organisation.name = "Ville de Valbrune"
    organisation.save()
    page = _page(client, path)
    assert "Ville de Valbrune" in page and "Ville de Montreval" not in page


def test_the_search_words_and_the_current_page_stay_outside_the_copies(pb):
    client = Client()
    home = _page(client, reverse("web:home"))
    search = _page(client, reverse("web:search") + "?q=jardin")
    assert 'aria-current="page">' in home.split('id="main-nav"')[1].split("</nav>")[0]
    assert 'aria-current="page">' not in search.split('id="main-nav"')[1].split("</nav>")[0]
    assert 'id="site-search" type="search" name="q" value="jardin"' in search
    assert 'id="site-search" type="search" name="q" value=""' in home
