"""End to end: an official answer notifies the author by e-mail through a real Celery worker
and the local Redis broker (two tasks: the notification e-mail, then ``send_email``).

Needs Redis (``PARLONS_TEST_REDIS_URL``, default redis://127.0.0.1:6379/14): the test fails,
never skips, when it is unreachable."""

from __future__ import annotations

import os
import time

import pytest
from django.core import mail

REDIS_URL = os.environ.get("PARLONS_TEST_REDIS_URL_PROPOSALS", "redis://127.0.0.1:6379/14")


def _reset_pools(app) -> None:
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
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
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
def test_answer_notification_is_mailed_by_a_real_worker(component, citizen, org_evaluator,
                                                        publish, redis_worker):
    from parlons.platform.proposals import services
    from parlons.platform.proposals.models import Notification

    assert not redis_worker.conf.task_always_eager
    proposal = publish(citizen, title="Une fontaine à boire")
    mail.outbox = []
    services.answer_proposal(actor=org_evaluator, proposal=proposal, state="accepted",
                             text="<p>Elle sera installée.</p>", publish=True)
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == 1, "the worker did not deliver the notification"
    message = mail.outbox[0]
    assert message.to == [citizen.email]
    assert "Une fontaine à boire" in message.body
    assert "/propositions/desabonnement/" in message.body
    assert Notification.objects.get(user=citizen, kind="answer").emailed_at is not None
