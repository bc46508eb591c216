"""The confirmation e-mail goes through a real Celery worker and the local Redis broker.

The worker comes from the ``redis_worker`` fixture (tests/platform/conftest.py).
"""

from __future__ import annotations

import time

import pytest
from accounts_testing import link_in, signup_data
from django.core import mail
from django.urls import reverse


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
