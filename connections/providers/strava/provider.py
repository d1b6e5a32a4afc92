from connections.providers.allauth_glue import TendonProvider
from connections.providers.strava.views import StravaOAuth2Adapter


class StravaProvider(TendonProvider):
    id = "strava"
    name = "Strava"
    oauth2_adapter_class = StravaOAuth2Adapter


provider_classes = [StravaProvider]
