from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "parlons.platform.research"
    label = "research"

    def ready(self) -> None:
        _schedule_periodic_tasks()


def _schedule_periodic_tasks() -> None:
    """Celery beat entry of the module: imports left "in progress" by a worker that died are
    marked failed (settings may override it by name)."""
    from celery.schedules import crontab

    from parlons.platform.celery import app

    app.conf.beat_schedule.setdefault("research-fail-stale-imports", {
        "task": "parlons.platform.research.tasks.fail_stale_imports",
        "schedule": crontab(minute="*/10")})
