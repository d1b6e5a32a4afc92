from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from connections.providers.allauth_glue import TendonOAuth2Adapter


class GoogleHealthOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://developers.google.com/identity/protocols/oauth2/web-server
    provider_id = "google_health"


oauth2_login = OAuth2LoginView.adapter_view(GoogleHealthOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(GoogleHealthOAuth2Adapter)
