"""Fixtures of the accounts tests: a fresh cache (rate limits), no time trap, an organisation."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _accounts_defaults(settings, organisation):
    from django.core.cache import cache

    from parlons.platform.celery import app

    # Tasks run in-process even when REDIS_URL is set (the worker test switches this off).
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.PARLONS_SIGNUP_MIN_SECONDS = 0
    settings.PARLONS_RATE_LIMITS = {"signup": "100/h", "login": "100/m", "password_reset": "100/h"}
    cache.clear()
    yield
    cache.clear()
    app.conf.task_always_eager = eager


@pytest.fixture
def client(client, django_capture_on_commit_callbacks, settings):
    """The test client, running each request's on-commit callbacks (the e-mails) as a real
    commit would, though the test itself runs inside one transaction."""
    original = client.request

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    client.request = request
    # Pages in English (the msgids), so that tests do not depend on the French catalogue.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
