from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from connections.providers.allauth_glue import TendonOAuth2Adapter


class WithingsOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://developer.withings.com/developer-guide/v3/integration-guide/public-health-data-api/get-access/oauth-web-flow
    provider_id = "withings"


oauth2_login = OAuth2LoginView.adapter_view(WithingsOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WithingsOAuth2Adapter)
