from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "parlons.platform.spaces"
    label = "spaces"
