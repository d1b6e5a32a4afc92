from connections.providers.allauth_glue import TendonProvider
from connections.providers.polar.views import PolarOAuth2Adapter


class PolarProvider(TendonProvider):
    id = "polar"
    name = "Polar"
    oauth2_adapter_class = PolarOAuth2Adapter


provider_classes = [PolarProvider]
