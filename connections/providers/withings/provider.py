from connections.providers.allauth_glue import TendonProvider
from connections.providers.withings.views import WithingsOAuth2Adapter


class WithingsProvider(TendonProvider):
    id = "withings"
    name = "Withings"
    oauth2_adapter_class = WithingsOAuth2Adapter


provider_classes = [WithingsProvider]
