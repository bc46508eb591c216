from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "parlons.platform.web"
    label = "web"
