from connections.providers.allauth_glue import TendonProvider
from connections.providers.whoop.views import WhoopOAuth2Adapter


class WhoopProvider(TendonProvider):
    id = "whoop"
    name = "WHOOP"
    oauth2_adapter_class = WhoopOAuth2Adapter


provider_classes = [WhoopProvider]
