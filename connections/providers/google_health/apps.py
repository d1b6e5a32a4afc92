from django.apps import AppConfig


class GoogleHealthConfig(AppConfig):
    name = "connections.providers.google_health"
    label = "provider_google_health"
    verbose_name = "Fitbit & Pixel Watch (Google Health)"
