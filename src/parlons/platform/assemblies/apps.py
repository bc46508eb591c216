from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembliesConfig(AppConfig):
    name = "parlons.platform.assemblies"
    label = "assemblies"

    def ready(self) -> None:
        from parlons.platform.accounts import personal_data
        from parlons.platform.assemblies import demo, services, views
        from parlons.platform.spaces import registry
        from parlons.platform.web.demo import register_loader

        registry.register(registry.ComponentType(
            key="assembly",
            name=_("Citizens' assembly"),
            description=_("Recruitment by letters and phone, volunteers' registration by code, "
                          "quotas, fair public draw (leximin), replacements, sessions."),
            view=views.assembly_component,
            manage_view=views.manage_assembly,
            search=views.search_assemblies,
        ))
        personal_data.register("assemblies", export=services.export_personal_data,
                               anonymise=services.anonymise_personal_data)
        register_loader(demo.load)
        _schedule_periodic_tasks()


def _schedule_periodic_tasks() -> None:
    """Celery beat entry of the module: volunteers' data deleted once their retention date
    has passed (settings may override it by name)."""
    from celery.schedules import crontab

    from parlons.platform.celery import app

    app.conf.beat_schedule.setdefault("assemblies-purge-expired-personal-data", {
        "task": "parlons.platform.assemblies.tasks.purge_expired_personal_data",
        "schedule": crontab(hour=2, minute=15)})
