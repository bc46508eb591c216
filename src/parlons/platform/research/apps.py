from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "parlons.platform.research"
    label = "research"
