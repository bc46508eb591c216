"""An import whose worker died does not stay "in progress" forever: a periodic task marks it
failed, in the requester's language, and a worker that comes back late saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone


def _job(project, user, corpus, status: str, minutes_ago: int):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    data = (corpus / "transcriptions" / "E01.txt").read_bytes()
    job = services.start_import(actor=user, project=project, kind="transcripts",
                                files=[("E01.txt", data)])
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=status, updated_at=when, created_at=when)
    return job


@pytest.mark.django_db
def test_a_silent_running_import_is_failed_with_a_message(research_project, researcher, corpus):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    dead = _job(research_project, researcher, corpus, "running", minutes_ago=45)
    alive = _job(research_project, researcher, corpus, "running", minutes_ago=5)
    waiting = _job(research_project, researcher, corpus, "pending", minutes_ago=60)
    assert services.fail_stale_imports() == 1
    dead.refresh_from_db()
    assert (dead.status, bytes(dead.payload)) == (ImportJob.Status.FAILED, b"")
    assert "interrompu" in dead.error  # the requester's language (French by default)
    assert ImportJob.objects.get(pk=alive.pk).status == ImportJob.Status.RUNNING
    assert ImportJob.objects.get(pk=waiting.pk).status == ImportJob.Status.PENDING
    assert services.fail_stale_imports() == 0  # nothing twice
    client = Client()
    client.force_login(researcher)
    page = client.get(f"/recherche-qualitative/{research_project.pk}/importer/{dead.pk}/")
    assert page.status_code == 200 and "interrompu" in page.content.decode()


@pytest.mark.django_db
def test_a_job_never_picked_up_for_a_day_is_failed(research_project, researcher, corpus):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    lost = _job(research_project, researcher, corpus, "pending", minutes_ago=25 * 60)
    assert services.fail_stale_imports() == 1
    assert ImportJob.objects.get(pk=lost.pk).status == ImportJob.Status.FAILED
    assert services.run_import(lost.pk) == ImportJob.Status.FAILED  # a late delivery: no-op
    assert not research_project.sources.exists()


@pytest.mark.django_db
def test_a_worker_declared_dead_while_importing_saves_nothing(research_project, researcher,
                                                              corpus):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    job = _job(research_project, researcher, corpus, "running", minutes_ago=45)
    services.fail_stale_imports()
    job.refresh_from_db()
    job.payload = services._pack([("E01.txt",
                                   (corpus / "transcriptions" / "E01.txt").read_bytes())])
    counts, _notes = services._run(job)  # the worker resumes after being declared dead
    assert counts is None
    assert not research_project.sources.exists()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED


@pytest.mark.django_db
def test_a_normal_import_still_finishes(research_project, researcher, corpus):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    job = _job(research_project, researcher, corpus, "pending", minutes_ago=1)
    assert services.run_import(job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.status, job.progress, job.counts["sources"]) == ("done", 100, 1)
    assert services.fail_stale_imports() == 0
