"""Fixtures for the platform: a process with phases and a page, in the default organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def process(organisation):
    from parlons.platform.pages.models import PageContent
    from parlons.platform.spaces.models import Component, Phase, Space

    today = timezone.localdate()
    space = Space.objects.create(organisation=organisation, title="Place du Marché",
                                 slug="place-du-marche", summary="Concertation",
                                 is_published=True, visibility="public")
    Phase.objects.create(space=space, title="Information", position=0,
                         start_date=today - dt.timedelta(20), end_date=today - dt.timedelta(1))
    Phase.objects.create(space=space, title="Contributions", position=1,
                         start_date=today, end_date=today + dt.timedelta(20))
    page = Component.objects.create(space=space, kind="page", title="Le projet",
                                    is_published=True)
    PageContent.objects.create(component=page, body="<p>Des arbres sur la place.</p>")
    return space


@pytest.fixture
def process_admin(make_user, process):
    from parlons.platform.spaces.models import SpaceRole

    user = make_user("pilote@example.org", display_name="Pilote")
    SpaceRole.objects.create(space=process, user=user, role="admin")
    return user
