from django.apps import AppConfig


class PolarConfig(AppConfig):
    name = "connections.providers.polar"
    label = "provider_polar"
    verbose_name = "Polar"
