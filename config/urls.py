from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import account_delete, email_addresses, notification_preferences
from config.views import home
from connections.admin.dashboard import health_dashboard
from connections.views_webhooks import provider_webhook

admin.site.site_header = "Tendon support"
admin.site.site_title = "Tendon"  # tabs read "<Page> · Tendon"; the header says "Tendon support"
admin.site.index_title = "Connections, people and their data"
# Lists need the width: the app list is one click away (Home), not beside every page.
admin.site.enable_nav_sidebar = False



class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, the sandbox's)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", FaviconView.as_view()),
    # Providers are managed on /connect/, never through allauth's own connections page.
    path("accounts/3rdparty/", RedirectView.as_view(pattern_name="connect", permanent=False)),
    path("accounts/notifications/", notification_preferences, name="notification_preferences"),
    path("accounts/delete/", account_delete, name="account_delete"),
    path("accounts/email/", email_addresses, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("connect/", include("connections.urls")),
    path("data/", include("records.urls")),
    path("webhooks/<str:provider>/", provider_webhook, name="provider_webhook"),
    path("admin/health/", admin.site.admin_view(health_dashboard), name="admin_health"),
    path("admin/", admin.site.urls),
]
handler403 = "config.views.permission_denied"

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
