from django.apps import AppConfig


class WhoopConfig(AppConfig):
    name = "connections.providers.whoop"
    label = "provider_whoop"
    verbose_name = "WHOOP"
