from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "parlons.platform.backoffice"
    label = "backoffice"
