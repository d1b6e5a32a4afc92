from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.strava.provider import StravaProvider

urlpatterns = default_urlpatterns(StravaProvider)
