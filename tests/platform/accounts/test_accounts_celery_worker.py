"""The confirmation e-mail goes through a real Celery worker and the local Redis broker.

Needs Redis (``PARLONS_TEST_REDIS_URL``, default redis://127.0.0.1:6379/15): the test fails,
never skips, when it is unreachable.
"""

from __future__ import annotations

import os
import time

import pytest
from accounts_testing import link_in, signup_data
from django.core import mail
from django.urls import reverse

REDIS_URL = os.environ.get("PARLONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reset_pools(app) -> None:
    """Forget the broker connections made with the previous configuration."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker(monkeypatch, settings):
    import redis
    from celery.contrib.testing.worker import start_worker

    from parlons.platform.celery import app

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL} (PARLONS_TEST_REDIS_URL): {error}")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager",
                                            "broker_connection_retry_on_startup")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False,
                    broker_connection_retry_on_startup=False)
    _reset_pools(app)
    try:
        app.control.purge()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield app
    finally:
        app.conf.update(saved)
        _reset_pools(app)


@pytest.mark.django_db(transaction=True)
def test_confirmation_email_is_delivered_by_a_real_worker(client, organisation, redis_worker):
    from parlons.platform.accounts.tasks import send_email

    assert not redis_worker.conf.task_always_eager
    mail.outbox = []
    response = client.post(reverse("accounts:signup"), signup_data(email="worker@example.org"))
    assert response.status_code == 302
    assert send_email.app is redis_worker
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == 1, "the worker did not deliver the confirmation e-mail"
    message = mail.outbox[0]
    assert message.to == ["worker@example.org"]
    assert link_in(message.body).startswith("/compte/confirmation/")
