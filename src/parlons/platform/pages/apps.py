from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "parlons.platform.pages"
    label = "pages"

    def ready(self) -> None:
        from parlons.platform.pages import views
        from parlons.platform.spaces import registry

        registry.register(registry.ComponentType(
            key="page",
            name=_("Page"),
            description=_("A page of rich text: context, documents, rules of the process."),
            actions={},
            view=views.page_component,
            manage_view=views.manage_page,
            search=views.search_pages,
        ))
