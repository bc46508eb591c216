from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "parlons.platform.budgets"
    label = "budgets"

    def ready(self) -> None:
        from parlons.platform.accounts import personal_data
        from parlons.platform.budgets import checks, demo, services, views  # noqa: F401
        from parlons.platform.budgets.models import Budget, BudgetProject
        from parlons.platform.common import localcache
        from parlons.platform.spaces import registry
        from parlons.platform.web.demo import register_loader

        registry.register(registry.ComponentType(
            key="budget",
            name=_("Participatory budget"),
            description=_("Project submission, feasibility review, online and paper votes, "
                          "results and follow-up of the works."),
            actions={"submit": _("Submit a project"), "vote": _("Vote")},
            view=views.budget_component,
            manage_view=views.manage_budget,
            search=views.search_budgets,
        ))
        personal_data.register("budgets", export=services.export_personal_data,
                               anonymise=services.anonymise_personal_data)
        register_loader(demo.load)
        localcache.watch(Budget, BudgetProject)  # selectors.ballot_budget, ballot_projects
        _schedule_periodic_tasks()


def _schedule_periodic_tasks() -> None:
    """Celery beat entries of the module: voting-code requests whose task was lost are queued
    again; old request records are deleted (settings may override them by name)."""
    from celery.schedules import crontab

    from parlons.platform.celery import app

    app.conf.beat_schedule.setdefault("budgets-resend-lost-code-requests", {
        "task": "parlons.platform.budgets.tasks.resend_lost_code_requests",
        "schedule": crontab(minute="*/10")})
    app.conf.beat_schedule.setdefault("budgets-purge-old-code-requests", {
        "task": "parlons.platform.budgets.tasks.purge_old_code_requests",
        "schedule": crontab(hour=3, minute=40)})
