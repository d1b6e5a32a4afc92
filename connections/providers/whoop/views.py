from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from connections.providers.allauth_glue import TendonOAuth2Adapter


class WhoopOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://developer.whoop.com/docs/developing/oauth. WHOOP does not document
    # PKCE; allauth sends it anyway (harmless where ignored), with a 16-character state (WHOOP
    # asks for at least eight).
    provider_id = "whoop"


oauth2_login = OAuth2LoginView.adapter_view(WhoopOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WhoopOAuth2Adapter)
