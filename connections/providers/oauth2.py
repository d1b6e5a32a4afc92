"""The OAuth 2.0 token endpoint as RFC 6749 describes it, shared by Google and the demo."""

from __future__ import annotations

from typing import Any

import requests
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables

from connections.providers.base import (
    BadResponse,
    ClientConfig,
    GrantRevoked,
    TokenSet,
    expiry,
    json_object,
    new_session,
    send,
    unverified_jwt_claims,
)


class OAuth2TokenClient:
    """Authorization-code exchange and refresh against a standard token endpoint."""

    scope_delimiter = " "
    deadline: float | None = None  # time.monotonic() by which paging loops must stop

    def __init__(
        self, config: ClientConfig, *, name: str, session: requests.Session | None = None
    ) -> None:
        self.config = config
        self.name = name
        self.session = session or new_session()

    @method_decorator(sensitive_variables())
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Tokens for an authorization code; GrantRevoked if the code is refused."""
        # Reference: https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3 (and RFC 7636)
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }
        if code_verifier:
            data["code_verifier"] = code_verifier
        return self._token_request(data, previous_refresh_token="")

    @method_decorator(sensitive_variables())
    def refresh(self, *, refresh_token: str) -> TokenSet:
        """A fresh access token (and the rotated refresh token, or the same one if none came)."""
        # Reference: https://datatracker.ietf.org/doc/html/rfc6749#section-6
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }
        return self._token_request(data, previous_refresh_token=refresh_token)

    @method_decorator(sensitive_variables())
    def _token_request(self, data: dict[str, str], *, previous_refresh_token: str) -> TokenSet:
        response = send(
            self.session, "POST", self.config.token_url, provider_name=self.name, data=data
        )
        body = json_object(response, provider_name=self.name)
        if response.status_code != 200 or "error" in body:
            error = str(body.get("error") or f"HTTP {response.status_code}")
            if error == "invalid_grant":
                raise GrantRevoked(f"{self.name} refused the grant (invalid_grant).")
            raise BadResponse(f"{self.name}'s token endpoint refused the request ({error}).")
        return self.token_set(body, previous_refresh_token=previous_refresh_token)

    @method_decorator(sensitive_variables())
    def token_set(self, body: dict[str, Any], *, previous_refresh_token: str) -> TokenSet:
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise BadResponse(f"{self.name}'s token endpoint answered without an access token.")
        scope = body.get("scope")
        scopes = (
            frozenset(s for s in str(scope).split(self.scope_delimiter) if s)
            if scope is not None
            else None
        )
        claims = unverified_jwt_claims(body["id_token"]) if body.get("id_token") else {}
        return TokenSet(
            access_token=access_token,
            refresh_token=str(body.get("refresh_token") or previous_refresh_token),
            expires_at=expiry(body.get("expires_in")),
            scopes=scopes,
            claims=claims,
        )
