"""Background work of the research workspace (see ``parlons.platform.celery``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    """Run a queued REFI-QDA or transcript import, recording its progress."""
    from parlons.platform.research import services

    return services.run_import(job_id)


@shared_task
def fail_stale_imports() -> int:
    """Periodic: imports whose worker died are marked failed instead of "in progress"."""
    from parlons.platform.research import services

    return services.fail_stale_imports()
