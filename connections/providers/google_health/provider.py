from connections.providers.allauth_glue import TendonProvider
from connections.providers.google_health.views import GoogleHealthOAuth2Adapter


class GoogleHealthProvider(TendonProvider):
    id = "google_health"
    name = "Fitbit & Pixel Watch (Google Health)"
    oauth2_adapter_class = GoogleHealthOAuth2Adapter


provider_classes = [GoogleHealthProvider]
