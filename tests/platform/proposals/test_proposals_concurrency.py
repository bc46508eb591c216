"""Supports under concurrency: many threads, real transactions, PostgreSQL.

The counts on the proposals must equal the rows of the support table, whatever the
interleaving; a person's limit and minimum hold because their supports serialise on a lock."""

from __future__ import annotations

import contextlib
import random
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Proposal, Support

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
]


def _run(workers) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def wrap(fn):
        def target():
            try:
                barrier.wait()
                fn()
            except BaseException as error:  # noqa: BLE001 - reported to the test
                errors.append(error)
            finally:
                connections.close_all()
        return target

    threads = [threading.Thread(target=wrap(fn)) for fn in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def _exact(component) -> None:
    for proposal in Proposal.objects.filter(component=component):
        assert proposal.support_count == Support.objects.filter(proposal=proposal).count()


def test_many_threads_toggling_supports_keep_exact_counts(component, make_user, publish):
    author = make_user()
    proposals = [publish(author, title=f"Idée concurrente {n}") for n in range(3)]
    people = [make_user() for _n in range(16)]
    refusals: list[str] = []

    def worker(person, seed):
        def run():
            rng = random.Random(seed)
            for _step in range(25):
                proposal = rng.choice(proposals)
                try:
                    if rng.random() < 0.5:
                        services.support(actor=person, proposal=proposal)
                    else:
                        services.unsupport(actor=person, proposal=proposal)
                except (ValidationError, PermissionDenied) as refusal:
                    refusals.append(type(refusal).__name__)
        return run

    # two threads per person: the same person races against themself too
    errors = _run([worker(p, n * 2 + k) for n, p in enumerate(people) for k in range(2)])
    assert not errors, errors[:3]
    # Supporting twice or unsupporting what is not supported is refused with a message;
    # a permission refusal would mean the phase or role checks misfire under load.
    assert set(refusals) <= {"ValidationError"}, refusals[:3]
    _exact(component)


def test_limit_holds_under_a_race(component, make_user, publish):
    component.settings = {"support_limit": 2}
    component.save()
    author = make_user()
    proposals = [publish(author, title=f"Idée limitée {n}") for n in range(8)]
    person = make_user()

    def attempt(proposal):
        def run():
            with contextlib.suppress(ValidationError):
                services.support(actor=person, proposal=proposal)
        return run

    errors = _run([attempt(p) for p in proposals])
    assert not errors, errors[:3]
    assert Support.objects.filter(user=person).count() == 2
    _exact(component)


def test_minimum_holds_under_a_race(component, make_user, publish):
    component.settings = {"support_minimum": 3}
    component.save()
    author = make_user()
    proposals = [publish(author, title=f"Idée minimum {n}") for n in range(5)]
    people = [make_user() for _n in range(6)]

    def attempt(person, proposal):
        def run():
            services.support(actor=person, proposal=proposal)
        return run

    # each person gives 2 or 5 supports, all at once
    plan = [(p, proposals[k]) for n, p in enumerate(people) for k in range(2 if n % 2 else 5)]
    errors = _run([attempt(person, proposal) for person, proposal in plan])
    assert not errors, errors[:3]
    counted = {pr.pk: 0 for pr in proposals}
    for n, _person in enumerate(people):
        if n % 2 == 0:  # five supports: above the minimum, all count
            for proposal in proposals:
                counted[proposal.pk] += 1
    assert {p.pk: p.support_count for p in Proposal.objects.filter(component=component)} \
        == counted
