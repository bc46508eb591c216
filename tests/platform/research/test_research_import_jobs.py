"""Imports run as Celery tasks with a progress record: eagerly without REDIS_URL (the tests,
the demo), by a worker in production; the progress page polls with htmx and refreshes itself
without JavaScript."""

from __future__ import annotations

import threading

import pytest
from celery.signals import task_postrun
from django.test import Client
from django.utils import translation


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_transcripts_import_in_the_background_with_progress(
        research_project, researcher, corpus, django_capture_on_commit_callbacks):
    from parlons.platform.research.models import ImportJob

    client = _client(researcher)
    base = f"/recherche-qualitative/{research_project.pk}/importer/"
    files = [open(corpus / "transcriptions" / name, "rb")  # noqa: SIM115
             for name in ("E01.txt", "E03.vtt", "E05.docx")]
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(base, {"kind": "transcripts", "transcripts-files": files})
    finally:
        for handle in files:
            handle.close()
    assert len(callbacks) == 1  # the task is queued after the commit
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{base}{job.pk}/"
    assert (job.status, job.progress, job.counts["sources"]) == ("done", 100, 3)
    assert bytes(job.payload) == b""  # the uploaded files are not kept
    assert sorted(research_project.sources.values_list("name", flat=True)) == [
        "E01", "E03", "E05"]
    page = client.get(response["Location"]).content.decode()
    assert "import-report" in page and 'value="100"' in page
    assert "hx-trigger" not in page and "http-equiv" not in page  # finished: no polling
    assert job.filenames == ["E01.txt", "E03.vtt", "E05.docx"]
    assert "E01.txt" in client.get(base).content.decode()  # listed among recent imports


@pytest.mark.django_db
def test_a_pending_import_page_polls_and_refreshes(research_project, researcher):
    from parlons.platform.research.models import ImportJob

    job = ImportJob.objects.create(project=research_project, kind="refi",
                                   filenames=["gros.qdpx"], created_by=researcher,
                                   progress=40, step="Lecture…", status="running")
    client = _client(researcher)
    url = f"/recherche-qualitative/{research_project.pk}/importer/{job.pk}/"
    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert f'href="{url}"' in page  # the refresh link
    assert '<progress id="import-progress" max="100" value="40">' in page
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="import-status"') and "<html" not in fragment


@pytest.mark.django_db
def test_a_broken_file_fails_with_a_message_in_the_language_of_the_request(
        research_project, researcher, django_capture_on_commit_callbacks):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    for language, expected in (("fr", "ce n'est pas une archive .qdpx (zip)"),
                               ("en", "not a .qdpx archive (zip)")):
        with translation.override(language), \
                django_capture_on_commit_callbacks(execute=True):
            job = services.start_import(actor=researcher, project=research_project,
                                        kind="refi", files=[("x.qdpx", b"PK but broken")])
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and expected in job.error, job.error
    assert not research_project.sources.exists()
    page = _client(researcher).get(
        f"/recherche-qualitative/{research_project.pk}/importer/{job.pk}/").content.decode()
    assert 'role="alert"' in page


@pytest.mark.django_db
def test_a_job_runs_once_and_not_for_a_removed_researcher(research_project, researcher,
                                                          corpus, make_user):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob, ResearchMembership

    data = (corpus / "projet" / "non-participation-place-du-marche.qdpx").read_bytes()
    job = services.start_import(actor=researcher, project=research_project, kind="refi",
                                files=[("corpus.qdpx", data)])  # not run: no commit yet
    assert services.run_import(job.pk) == "done"
    assert services.run_import(job.pk) == "done"  # a redelivered task imports nothing more
    assert research_project.sources.count() == 6
    job = ImportJob.objects.get(pk=job.pk)
    assert job.counts == {"sources": 6, "codes": 18, "cases": 6, "codings": 57, "memos": 9}
    other = make_user("autre@example.org")
    ResearchMembership.objects.create(project=research_project, user=other, role="researcher")
    late = services.start_import(actor=other, project=research_project, kind="refi",
                                 files=[("corpus.qdpx", data)])
    ResearchMembership.objects.filter(user=other).delete()
    assert services.run_import(late.pk) == "failed"
    assert research_project.sources.count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import(redis_worker, research_project, researcher,
                                       corpus):
    from parlons.platform.research.models import ImportJob
    from parlons.platform.research.tasks import run_import

    assert not redis_worker.conf.task_always_eager and run_import.app is redis_worker
    # wait for the worker (a thread of this process) to finish the task, without reading
    # the job meanwhile: SQLite's in-memory test database (shared cache) answers "table is
    # locked" to the worker's progress writes while another connection reads the table
    ran = threading.Event()

    def finished(sender=None, **_kwargs) -> None:  # noqa: ANN001
        if getattr(sender, "name", None) == run_import.name:
            ran.set()

    task_postrun.connect(finished, weak=False)
    try:
        client = _client(researcher)
        base = f"/recherche-qualitative/{research_project.pk}/importer/"
        with open(corpus / "projet" / "non-participation-place-du-marche.qdpx", "rb") as handle:
            response = client.post(base, {"kind": "refi", "refi-file": handle})
        assert response.status_code == 302
        assert ran.wait(60), "the worker did not run the import within 60 s"
    finally:
        task_postrun.disconnect(finished)
    job = ImportJob.objects.get()
    assert job.status == "done", (job.status, job.error)
    assert job.counts["codings"] == 57 and research_project.sources.count() == 6
    assert "import-report" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_an_unexpected_error_marks_the_job_failed(research_project, researcher):
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob

    job = ImportJob.objects.create(project=research_project, kind="refi",
                                   filenames=["x.qdpx"], payload=b"not the stored archive",
                                   created_by=researcher)
    assert services.run_import(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error and bytes(job.payload) == b""
