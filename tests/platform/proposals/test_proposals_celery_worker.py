"""End to end: an official answer notifies the author by e-mail through a real Celery worker
and the local Redis broker (two tasks: the notification e-mail, then ``send_email``).

The worker comes from the ``redis_worker`` fixture (tests/platform/conftest.py)."""

from __future__ import annotations

import time

import pytest
from django.core import mail


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
