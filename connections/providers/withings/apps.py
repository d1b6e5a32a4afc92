from django.apps import AppConfig


class WithingsConfig(AppConfig):
    name = "connections.providers.withings"
    label = "provider_withings"
    verbose_name = "Withings"
