from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.google_health.provider import GoogleHealthProvider

urlpatterns = default_urlpatterns(GoogleHealthProvider)
