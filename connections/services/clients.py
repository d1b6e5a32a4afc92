"""The API client for a provider, with its OAuth app from settings or the admin."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter

from connections.providers import PROVIDERS


def provider_client(*, provider_id: str, request=None):
    """The API client for provider_id; KeyError if the provider is not in the registry."""
    app = get_socialaccount_adapter().get_app(request, provider=provider_id)
    return PROVIDERS[provider_id].client(client_id=app.client_id, client_secret=app.secret)
