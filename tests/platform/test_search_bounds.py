"""The site search reads a bounded number of rows per kind, says "more than" past the bound,
shows nothing that the visitor may not see, and explains the words it cannot search."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parlons.platform.web.views import SEARCH_LIMIT, SEARCH_MAX_LENGTH

pytestmark = pytest.mark.django_db

BOUND = SEARCH_LIMIT + 1


def _client(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _space(organisation, slug: str, **extra):
    from parlons.platform.spaces.models import Space

    extra.setdefault("is_published", True)
    extra.setdefault("visibility", "public")
    return Space.objects.create(organisation=organisation, title=f"Espace {slug}", slug=slug,
                                **extra)


def _component(space, kind: str, title: str, *, published: bool = True):
    from parlons.platform.spaces.models import Component

    return Component.objects.create(space=space, kind=kind, title=title, is_published=published)


def _proposal(component, author, title: str, state: str = "published"):
    from django.utils import timezone

    from parlons.platform.proposals import services
    from parlons.platform.proposals.models import Proposal

    proposal = Proposal.objects.create(
        component=component, author=author, title=title, body="<p>Texte</p>", state=state,
        published_at=timezone.now() if state == "published" else None)
    services.index_for_search(Proposal.objects.filter(pk=proposal.pk))  # PostgreSQL's vector
    return proposal


def _page(space, title: str, body: str, *, published: bool = True):
    from parlons.platform.pages.models import PageContent

    component = _component(space, "page", title, published=published)
    PageContent.objects.create(component=component, body=body)
    return component


def _budget(space, title: str, project: str):
    from parlons.platform.budgets.models import Budget, BudgetProject

    component = _component(space, "budget", title)
    budget = Budget.objects.create(component=component, title=title, amount=100_000)
    BudgetProject.objects.create(budget=budget, title=project, description="Un projet",
                                 estimated_cost=1000)
    return component


def _links(body: str, space) -> int:
    return body.count(f'href="/participer/{space.slug}/c/')


def _searched(queries) -> list[str]:
    """The SQL of the queries that look for the words (LIKE on SQLite, @@ on PostgreSQL)."""
    return [q["sql"] for q in queries if " LIKE " in q["sql"] or "@@" in q["sql"]]


def test_more_matches_than_the_bound_read_bounded_rows_and_say_more_than(process, citizen):
    for n in range(BOUND + 3):
        _proposal(_component(process, "proposals", f"Idées {n}"), citizen, f"Fontaine {n}")
        _page(process, f"Page {n}", "<p>Une fontaine sur la place</p>")

    with CaptureQueriesContext(connection) as captured:
        response = _client().get("/recherche/", {"q": "fontaine"})
    body = response.content.decode()

    assert response.status_code == 200
    assert f"More than {2 * SEARCH_LIMIT} results" in body
    assert body.count(f"More than {SEARCH_LIMIT} results of this kind") == 2
    assert _links(body, process) == 2 * SEARCH_LIMIT  # the first ones of each kind, no more
    searched = _searched(captured.captured_queries)
    assert len(searched) >= 3  # spaces, proposals, pages
    for sql in searched:
        assert re.search(rf"LIMIT {BOUND}\s*$", sql), sql
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert len(captured.captured_queries) < 20  # one query per kind, not one per component


def test_matches_up_to_the_bound_are_counted_exactly(process, citizen):
    for n in range(SEARCH_LIMIT):
        _proposal(_component(process, "proposals", f"Idées {n}"), citizen, f"Kiosque {n}")

    body = _client().get("/recherche/", {"q": "kiosque"}).content.decode()

    assert f"{SEARCH_LIMIT} results" in body and "More than" not in body
    assert _links(body, process) == SEARCH_LIMIT


def test_hooks_stop_at_their_limit(process, citizen):
    from parlons.platform.assemblies.views import search_assemblies
    from parlons.platform.budgets.views import search_budgets
    from parlons.platform.opinions.models import Statement
    from parlons.platform.opinions.views import search_component as search_opinions
    from parlons.platform.pages.views import search_pages
    from parlons.platform.proposals.views import search_component as search_proposals

    budgets = [_budget(process, f"Budget {n}", f"Jardin partagé {n}") for n in range(3)]
    pages = [_page(process, f"Page {n}", "<p>Un jardin</p>") for n in range(3)]
    ideas = [_component(process, "proposals", f"Idées {n}") for n in range(3)]
    for component in ideas:
        _proposal(component, citizen, "Un jardin partagé")
    maps = [_component(process, "opinions", f"Carte {n}") for n in range(3)]
    for component in maps:
        Statement.objects.create(component=component, text="Plus de jardins", state="accepted")
    assemblies = [_component(process, "assembly", f"Convention jardin {n}") for n in range(3)]

    for hook, components in [(search_budgets, budgets), (search_pages, pages),
                             (search_proposals, ideas), (search_opinions, maps),
                             (search_assemblies, assemblies)]:
        assert hook(components, "jardin", limit=2) == components[:2], hook
        assert hook(components, "jardin") == components, hook
        assert hook(components, "kiosque", limit=2) == [], hook


def test_private_and_unpublished_matches_are_neither_shown_nor_counted(
        organisation, process, citizen, make_user, org_admin):
    from parlons.platform.opinions.models import Statement

    hidden_space = _space(organisation, "brouillon", is_published=False,
                          summary="Le zorglub en brouillon")
    private = _space(organisation, "prive", visibility="private")
    _page(private, "Zorglub privé", "<p>zorglub</p>")
    _page(process, "Page brouillon", "<p>zorglub</p>", published=False)
    ideas = _component(process, "proposals", "Idées")
    for state in ("draft", "pending", "hidden"):
        _proposal(ideas, citizen, f"Zorglub {state}", state=state)
    opinions = _component(process, "opinions", "Carte")
    Statement.objects.create(component=opinions, text="Zorglub en attente", state="pending")
    _budget(_space(organisation, "budget-brouillon", is_published=False), "Budget", "Zorglub")

    for user in (None, citizen):
        body = _client(user).get("/recherche/", {"q": "zorglub"}).content.decode()
        assert "0 results" in body and "More than" not in body
        assert "privé" not in body and hidden_space.slug not in body and "Idées" not in body

    # the same search finds them for whoever may see them: the test above can fail
    admin_body = _client(org_admin).get("/recherche/", {"q": "zorglub"}).content.decode()
    assert "Zorglub privé" in admin_body and f"/participer/{hidden_space.slug}/" in admin_body


def test_empty_too_long_and_odd_input_get_a_message_not_an_error(process):
    client = _client()

    first = client.get("/recherche/")
    assert first.status_code == 200 and 'role="alert"' not in first.content.decode()

    for blank in ("", "   ", "\t\n"):
        response = client.get("/recherche/", {"q": blank})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Type one or more words to search for." in body and "result" not in body

    long = "arbres " * (SEARCH_MAX_LENGTH // 7 + 1)
    response = client.get("/recherche/", {"q": long})
    body = response.content.decode()
    assert response.status_code == 400
    assert f"Your search is too long: use at most {SEARCH_MAX_LENGTH} characters." in body
    assert "Le projet" not in body  # nothing searched

    response = client.get("/recherche/", {"q": "arb\x00res\x07"})
    assert response.status_code == 200
    assert "0 results" in response.content.decode()
    response = client.get("/recherche/", {"q": "arbres\x00"})
    assert "Le projet" in response.content.decode()
