"""One registration per code under concurrent submissions (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.utils import translation

from parlons.platform.assemblies.models import Volunteer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
]


def test_same_code_from_eight_threads(assembly, codes, register):
    barrier = threading.Barrier(8)
    answers: list = []

    def run(i):
        try:
            barrier.wait()
            with translation.override("en"):
                answers.append(("ok", register(assembly, codes[0], last_name=f"N{i}").pk))
        except Exception as error:  # noqa: BLE001 - the answer is what we compare
            answers.append(("error", type(error).__name__, str(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(a[0] == "ok" for a in answers) == 1, answers
    refusals = [a for a in answers if a[0] == "error"]
    assert len(refusals) == 7
    assert all(a[1] == "ValidationError" and "already used" in a[2] for a in refusals), refusals
    assert Volunteer.objects.filter(recipient__code=codes[0]).count() == 1
