from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "parlons.platform.common"
    label = "common"

    def ready(self) -> None:
        from parlons.platform.common.localcache import connect_signals

        connect_signals()
