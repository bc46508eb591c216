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
