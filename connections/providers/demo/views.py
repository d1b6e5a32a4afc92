from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from connections.providers.allauth_glue import TendonOAuth2Adapter


class DemoOAuth2Adapter(TendonOAuth2Adapter):
    provider_id = "demo"


oauth2_login = OAuth2LoginView.adapter_view(DemoOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(DemoOAuth2Adapter)
