"""The allauth side of every Tendon provider: the login dance, written the way allauth's own
OAuth2 providers are, with PKCE on. Token exchange and identity go through our API clients so
that one piece of code parses every token answer, at connect time and at refresh time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from allauth.socialaccount.models import SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter
from allauth.utils import get_request_param
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    GrantRevoked,
    Identity,
    ProviderError,
    ScopeMissing,
    TokenSet,
)


class TendonProvider(OAuth2Provider):
    """An allauth provider that only ever connects data sources; it never creates users."""

    pkce_enabled_default = True

    @property
    def spec(self):
        from connections.providers import PROVIDERS

        return PROVIDERS[self.id]

    def get_default_scope(self) -> list[str]:
        return list(self.spec.base_scopes)

    def extract_uid(self, data: dict[str, Any]) -> str:
        return data["uid"]

    def extract_extra_data(self, data: dict[str, Any]) -> dict[str, Any]:
        return data["extra_data"]

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def extract_email_addresses(self, data: dict[str, Any]) -> list:
        return []


class TendonOAuth2Adapter(OAuth2Adapter):
    provider_id: str

    @property
    def spec(self):
        from connections.providers import PROVIDERS

        return PROVIDERS[self.provider_id]

    @property
    def authorize_url(self) -> str:  # type: ignore[override]
        return self.spec.endpoints()["authorize_url"]

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return self.spec.endpoints()["token_url"]

    @property
    def scope_delimiter(self) -> str:  # type: ignore[override]
        return self.spec.scope_delimiter

    def api_client(self, app):
        return self.spec.client(client_id=app.client_id, client_secret=app.secret)

    def tokens_from_callback(self, request: HttpRequest, tokens: TokenSet) -> TokenSet:
        """The token answer completed with what the callback says (Strava reports the scopes
        the person granted only there)."""
        return tokens

    def identity_for(self, request: HttpRequest, client, tokens: TokenSet) -> Identity:
        """Who granted these tokens. A provider that wants a call once consent is given (Polar
        registers the user) does it here; it raises like the client, and ScopeMissing when
        the person allowed nothing Tendon can use."""
        return client.identity(tokens)

    @method_decorator(sensitive_variables())
    def get_access_token_data(self, request: HttpRequest, app, client, pkce_code_verifier=None):
        code = get_request_param(request, "code")
        try:
            tokens = self.api_client(app).exchange_code(
                code=code, redirect_uri=client.callback_url, code_verifier=pkce_code_verifier
            )
        except (ProviderError, GrantRevoked, ScopeMissing) as error:
            # allauth handles OAuth2Error; our adapter reads the cause to word the message.
            raise OAuth2Error(str(error)) from error
        granted = get_request_param(request, "scope")
        if tokens.scopes is None and granted:
            # The token answer did not say which scopes were granted, the callback did (some
            # providers say it only there, and people may switch some off on the consent page).
            scopes = frozenset(s for s in granted.split(self.scope_delimiter) if s)
            tokens = replace(tokens, scopes=scopes)
        self.did_fetch_access_token = True
        tokens = self.tokens_from_callback(request, tokens)
        # Only the TokenSet, whose repr hides the secrets: allauth keeps this dict in a local
        # variable, and error pages show locals.
        return {"tendon_tokens": tokens}

    def parse_token(self, data: dict[str, Any]) -> SocialToken:
        # allauth wants a SocialToken; Tendon never stores it (SOCIALACCOUNT_STORE_TOKENS=False).
        tokens: TokenSet = data["tendon_tokens"]
        return SocialToken(token="", token_secret="", expires_at=tokens.expires_at)

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        tokens: TokenSet = kwargs["response"]["tendon_tokens"]
        try:
            identity = self.identity_for(request, self.api_client(app), tokens)
        except (ProviderError, GrantRevoked, ScopeMissing) as error:
            raise ProviderException(str(error)) from error
        login = self.get_provider().sociallogin_from_response(
            request, {"uid": identity.uid, "extra_data": identity.extra_data}
        )
        login.tendon_tokens = tokens
        login.tendon_identity = identity
        return login
