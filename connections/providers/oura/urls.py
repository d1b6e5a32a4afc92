from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.oura.provider import OuraProvider

urlpatterns = default_urlpatterns(OuraProvider)
