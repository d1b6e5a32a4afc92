from connections.providers.allauth_glue import TendonProvider
from connections.providers.oura.views import OuraOAuth2Adapter


class OuraProvider(TendonProvider):
    id = "oura"
    name = "Oura"
    oauth2_adapter_class = OuraOAuth2Adapter


provider_classes = [OuraProvider]
