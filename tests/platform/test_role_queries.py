"""A signed-in page reads the person's roles in at most one query, and never from a stale copy.

Every query that touches a role table counts (a separate read, or a sub-query of another query):
re-introducing a second read of the roles anywhere on these pages makes these tests fail."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROLE_TABLES = ("organisations_organisationrole", "spaces_spacerole")
PEOPLE = ["citizen", "org_moderator", "org_evaluator", "process_admin", "org_admin",
          "other_org_admin"]


def _role_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if any(t in q["sql"] for t in ROLE_TABLES)]


def _get(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, _role_queries(queries.captured_queries)


def _urls(space) -> list[str]:
    page = space.components.get(kind="page")
    return ["/", "/participer/", f"/participer/{space.slug}/",
            f"/participer/{space.slug}/c/{page.pk}/"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", PEOPLE)
def test_signed_in_pages_read_roles_at_most_once(request, who, process):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    for url in _urls(process):
        client.get(url)  # warm the per-process caches: only the roles stay per request
        response, role_queries = _get(client, url)
        assert response.status_code == 200, url
        assert len(role_queries) <= 1, (url, role_queries)


@pytest.mark.django_db
def test_roles_are_read_on_every_request(citizen, process):
    """One query per request, not one per process: the second request reads them again."""
    client = Client()
    client.force_login(citizen)
    url = f"/participer/{process.slug}/"
    assert [len(_get(client, url)[1]) for _ in range(3)] == [1, 1, 1]


@pytest.mark.django_db
def test_anonymous_pages_read_no_role(process):
    client = Client()
    for url in _urls(process):
        client.get(url)
        response, role_queries = _get(client, url)
        assert response.status_code == 200, url
        assert role_queries == [], url


@pytest.mark.django_db
def test_organisation_role_granted_then_revoked_counts_on_the_next_request(citizen,
                                                                           organisation):
    from parlons.platform.organisations.models import OrganisationRole

    client = Client()
    client.force_login(citizen)
    assert client.get("/gestion/").status_code == 403
    assert 'href="/gestion/"' not in client.get("/").content.decode()
    role = OrganisationRole.objects.create(organisation=organisation, user=citizen,
                                           role="moderator")
    assert client.get("/gestion/").status_code == 200
    assert 'href="/gestion/"' in client.get("/").content.decode()
    role.delete()
    assert client.get("/gestion/").status_code == 403
    assert 'href="/gestion/"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_space_role_granted_then_revoked_counts_on_the_next_request(citizen, process):
    from parlons.platform.spaces.models import SpaceRole

    process.visibility = "private"
    process.save()
    client = Client()
    client.force_login(citizen)
    url = f"/participer/{process.slug}/"
    assert client.get(url).status_code == 404
    assert process.title not in client.get("/").content.decode()
    role = SpaceRole.objects.create(space=process, user=citizen, role="member")
    assert client.get(url).status_code == 200
    assert process.title in client.get("/").content.decode()
    role.delete()
    assert client.get(url).status_code == 404
    assert process.title not in client.get("/").content.decode()


@pytest.mark.django_db
def test_space_admin_role_granted_counts_on_the_next_request(citizen, process):
    from parlons.platform.spaces.models import SpaceRole

    client = Client()
    client.force_login(citizen)
    url = f"/gestion/espaces/{process.pk}/"
    assert client.get(url).status_code == 403
    SpaceRole.objects.create(space=process, user=citizen, role="admin")
    assert client.get(url).status_code == 200
    SpaceRole.objects.filter(space=process, user=citizen).delete()
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_all_roles_come_in_one_query(make_user, organisation, other_organisation, process):
    from parlons.platform.accounts.selectors import user_roles
    from parlons.platform.organisations.models import OrganisationRole
    from parlons.platform.organisations.selectors import roles_of
    from parlons.platform.spaces.models import Space, SpaceRole
    from parlons.platform.spaces.selectors import space_roles_of

    person = make_user()
    elsewhere = Space.objects.create(organisation=other_organisation, title="Ailleurs",
                                     slug="ailleurs")
    OrganisationRole.objects.create(organisation=organisation, user=person, role="moderator")
    OrganisationRole.objects.create(organisation=organisation, user=person, role="agent")
    OrganisationRole.objects.create(organisation=other_organisation, user=person, role="admin")
    SpaceRole.objects.create(space=process, user=person, role="evaluator")
    SpaceRole.objects.create(space=elsewhere, user=person, role="member")
    fresh = type(person).objects.get(pk=person.pk)
    with CaptureQueriesContext(connection) as queries:
        assert roles_of(fresh, organisation) == {"moderator", "agent"}
        assert roles_of(fresh, other_organisation) == {"admin"}
        assert space_roles_of(fresh, process) == {"evaluator"}
        assert space_roles_of(fresh, elsewhere) == {"member"}
        roles = user_roles(fresh)
        assert roles.has_space_role_in(other_organisation.pk, "member")
        assert not roles.has_space_role_in(organisation.pk, "member")
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_saving_a_role_with_a_user_in_hand_refreshes_that_user(citizen, organisation, process):
    """Within one request, a role saved for ``request.user`` itself is not read from the memo."""
    from parlons.platform.organisations.models import OrganisationRole
    from parlons.platform.organisations.rules import is_organisation_admin
    from parlons.platform.spaces.models import SpaceRole
    from parlons.platform.spaces.rules import can_manage_space

    assert not is_organisation_admin(citizen, organisation)
    assert not can_manage_space(citizen, process)
    SpaceRole.objects.create(space=process, user=citizen, role="admin")
    assert can_manage_space(citizen, process)
    role = OrganisationRole.objects.create(organisation=organisation, user=citizen, role="admin")
    assert is_organisation_admin(citizen, organisation)
    role.delete()
    assert not is_organisation_admin(citizen, organisation)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["process_admin", "org_admin"])
def test_back_office_pages_read_roles_at_most_once(request, who, process):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    for url in ("/gestion/", f"/gestion/espaces/{process.pk}/"):
        client.get(url)
        response, role_queries = _get(client, url)
        assert response.status_code == 200, url
        assert len(role_queries) <= 1, (url, role_queries)
