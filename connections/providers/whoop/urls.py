from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.whoop.provider import WhoopProvider

urlpatterns = default_urlpatterns(WhoopProvider)
