from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "parlons.platform.organisations"
    label = "organisations"
