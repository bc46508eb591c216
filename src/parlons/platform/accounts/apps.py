from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parlons.platform.accounts"
    label = "accounts"
