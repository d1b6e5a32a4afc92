"""Strava's login dance: client credentials in the token request (in the client), and the
scopes the person actually granted, which only the callback's `scope` parameter reports."""

from __future__ import annotations

from dataclasses import replace

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.utils import get_request_param
from django.http import HttpRequest

from connections.providers.allauth_glue import TendonOAuth2Adapter
from connections.providers.base import Identity, ScopeMissing, TokenSet


class StravaOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://developers.strava.com/docs/authentication/#token-exchange
    provider_id = "strava"

    def tokens_from_callback(self, request: HttpRequest, tokens: TokenSet) -> TokenSet:
        """The tokens with the scopes the callback says were granted (comma-separated)."""
        scope = get_request_param(request, "scope")
        if scope is None:
            return tokens  # not said: the requested scopes stand, and a 401 corrects them
        granted = frozenset(s.strip() for s in scope.split(",") if s.strip())
        return replace(tokens, scopes=granted)

    def identity_for(self, request: HttpRequest, client, tokens: TokenSet) -> Identity:
        """The athlete; ScopeMissing when the person unticked every permission a feed needs."""
        feed_scopes = {scope for scopes in self.spec.feeds.values() for scope in scopes}
        if tokens.scopes is not None and not feed_scopes & tokens.scopes:
            raise ScopeMissing("Strava granted no permission a feed needs.", scope="")
        return client.identity(tokens)


oauth2_login = OAuth2LoginView.adapter_view(StravaOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(StravaOAuth2Adapter)
