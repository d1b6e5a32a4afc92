"""The demo provider's scopes: the Google Health ones, so the same client code serves both."""

from oauth2_provider.scopes import BaseScopes

from connections.providers.google_health.scopes import PERMISSIONS


class DemoScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {scope: f"{p.label}: {p.reason}" for scope, p in PERMISSIONS.items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return list(PERMISSIONS)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return list(PERMISSIONS)
