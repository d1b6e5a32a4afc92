from connections.providers.allauth_glue import TendonProvider
from connections.providers.demo.views import DemoOAuth2Adapter


class DemoProvider(TendonProvider):
    id = "demo"
    name = "Demo Health"
    oauth2_adapter_class = DemoOAuth2Adapter


provider_classes = [DemoProvider]
