from django.apps import AppConfig


class DemoProviderConfig(AppConfig):
    name = "connections.providers.demo"
    label = "provider_demo"
    verbose_name = "Demo Health"
