from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from connections.providers.allauth_glue import TendonOAuth2Adapter


class OuraOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://cloud.ouraring.com/docs/authentication (server-side flow). Oura does
    # not document PKCE; allauth sends it anyway (harmless where ignored), with state.
    provider_id = "oura"


oauth2_login = OAuth2LoginView.adapter_view(OuraOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(OuraOAuth2Adapter)
