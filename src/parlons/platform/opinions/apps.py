from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "parlons.platform.opinions"
    label = "opinions"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from parlons.platform.accounts import personal_data
        from parlons.platform.opinions import demo, personal, views
        from parlons.platform.spaces import registry
        from parlons.platform.web.demo import register_loader

        registry.register(registry.ComponentType(
            key="opinions",
            name=_("Opinion map"),
            description=_("Participants agree or disagree with short statements; the map shows "
                          "the groups of opinion, what unites and what divides."),
            actions={"vote": _("Vote on statements"),
                     "submit_statement": _("Submit statements")},
            view=views.component_view,
            manage_view=views.manage_component,
            search=views.search_component,
        ))
        personal_data.register("opinions", export=personal.export, anonymise=personal.anonymise)
        register_loader(demo.load)
        # Votes cast without an account in this browser join the account at login (the
        # accounts app knows nothing of opinions: Django's login signal is the hook).
        user_logged_in.connect(views.attach_browser_votes,
                               dispatch_uid="parlons.opinions.attach_browser_votes")
