from django.apps import AppConfig


class DialerConfig(AppConfig):
    name = "dialer"
