from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "parlons.platform.proposals"
    label = "proposals"

    def ready(self) -> None:
        from parlons.platform.accounts import personal_data
        from parlons.platform.proposals import demo, personal, views
        from parlons.platform.spaces import registry
        from parlons.platform.web.demo import register_loader

        registry.register(registry.ComponentType(
            key="proposals",
            name=_("Proposals"),
            description=_("Citizens propose, discuss and support ideas; the city answers."),
            actions={"create": _("Create proposals"), "comment": _("Comment"),
                     "support": _("Support proposals")},
            view=views.component_view,
            manage_view=views.manage_component,
            search=views.search_component,
        ))
        registry.register_panel(registry.SpacePanel(key="proposals.follow",
                                                    content=views.follow_panel, order=10))
        personal_data.register("proposals", export=personal.export, anonymise=personal.anonymise)
        register_loader(demo.load)
        _schedule_periodic_tasks()


def _schedule_periodic_tasks() -> None:
    """Celery beat entries of the module (settings may override them by name)."""
    from celery.schedules import crontab

    from parlons.platform.celery import app

    schedule = app.conf.beat_schedule
    schedule.setdefault("proposals-announce-new-phases", {
        "task": "parlons.platform.proposals.tasks.announce_new_phases",
        "schedule": crontab(minute="*/15")})
    schedule.setdefault("proposals-daily-digests", {
        "task": "parlons.platform.proposals.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0)})
    schedule.setdefault("proposals-open-data", {
        "task": "parlons.platform.proposals.tasks.regenerate_open_data",
        "schedule": crontab(hour=3, minute=30)})
