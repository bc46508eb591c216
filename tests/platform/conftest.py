"""Fixtures for the platform: a process with phases and a page, in the default organisation."""

from __future__ import annotations

import datetime as dt
import os

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


CELERY_REDIS_URL = os.environ.get("PARLONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests with a real Celery worker share one Redis broker: they run in one xdist worker,
    one after the other, so that no worker ever takes another test's task."""
    for item in items:
        if "redis_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("celery-worker"))


def _reset_pools(app) -> None:
    """Forget the broker connections made with the previous configuration."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker(monkeypatch, settings):
    """A real Celery worker (solo pool, in a thread) on the local Redis broker
    (``PARLONS_TEST_REDIS_URL``): the test fails, never skips, when Redis is unreachable."""
    import redis
    from celery.contrib.testing.worker import start_worker

    from parlons.platform.celery import app

    try:
        redis.Redis.from_url(CELERY_REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        pytest.fail(f"Redis is needed at {CELERY_REDIS_URL} (PARLONS_TEST_REDIS_URL): {error}")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager",
                                            "broker_connection_retry_on_startup")}
    app.conf.update(broker_url=CELERY_REDIS_URL, task_always_eager=False,
                    broker_connection_retry_on_startup=False)
    _reset_pools(app)
    try:
        app.control.purge()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield app
    finally:
        app.conf.update(saved)
        _reset_pools(app)
