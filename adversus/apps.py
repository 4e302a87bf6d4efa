from django.apps import AppConfig


class AdversusConfig(AppConfig):
    name = "adversus"
    verbose_name = "Account"
