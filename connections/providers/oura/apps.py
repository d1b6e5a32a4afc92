from django.apps import AppConfig


class OuraConfig(AppConfig):
    name = "connections.providers.oura"
    label = "provider_oura"
    verbose_name = "Oura"
