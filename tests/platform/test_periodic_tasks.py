"""The periodic jobs (Celery beat) name tasks that a worker really knows."""

from __future__ import annotations


def test_every_beat_entry_names_a_registered_task():
    from parlons.platform.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    expected = {"proposals-announce-new-phases", "proposals-daily-digests",
                "proposals-open-data", "assemblies-purge-expired-personal-data",
                "research-fail-stale-imports", "budgets-resend-lost-code-requests",
                "budgets-purge-old-code-requests"}
    assert expected <= set(schedule)
    unknown = {name: entry["task"] for name, entry in schedule.items()
               if entry["task"] not in app.tasks}
    assert not unknown, f"beat entries naming unknown tasks: {unknown}"
