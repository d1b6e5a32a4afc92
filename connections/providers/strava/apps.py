from django.apps import AppConfig


class StravaConfig(AppConfig):
    name = "connections.providers.strava"
    label = "provider_strava"
    verbose_name = "Strava"
