from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "parlons.platform.common"
    label = "common"
