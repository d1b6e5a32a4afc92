from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from connections.providers.demo.provider import DemoProvider

urlpatterns = default_urlpatterns(DemoProvider)
