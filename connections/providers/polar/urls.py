from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.polar.provider import PolarProvider

urlpatterns = default_urlpatterns(PolarProvider)
