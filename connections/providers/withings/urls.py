from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.withings.provider import WithingsProvider

urlpatterns = default_urlpatterns(WithingsProvider)
