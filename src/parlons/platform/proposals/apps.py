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
        personal_data.register("proposals", export=personal.export, anonymise=personal.anonymise)
        register_loader(demo.load)
