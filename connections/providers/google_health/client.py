"""Google Health API v4 and Google OAuth 2.0.

Endpoint paths and response shapes follow the discovery document health.v4.json shipped in
google-api-python-client (googleapiclient/discovery_cache/documents/).
"""

from __future__ import annotations

from connections.providers.base import (
    BadResponse,
    GrantRevoked,
    Identity,
    ScopeMissing,
    TokenSet,
    json_object,
    send,
)
from connections.providers.oauth2 import OAuth2TokenClient


class GoogleHealthClient(OAuth2TokenClient):
    """Tokens from Google OAuth 2.0; data from the Google Health API v4."""

    # Google refresh tokens usually do not rotate: a refresh that returns none keeps the old one.

    def identity(self, tokens: TokenSet) -> Identity:
        """Who granted these tokens: the healthUserId, shown by e-mail when Google gave one."""
        # Reference: https://developers.google.com/health/reference/rest/v4/users/getIdentity
        body = self.api_get("/v4/users/me/identity", access_token=tokens.access_token)
        uid = body.get("healthUserId")
        if not isinstance(uid, str) or not uid:
            raise BadResponse(f"{self.name} did not say which account this is (no healthUserId).")
        label = tokens.claims.get("email") or self.account_label(tokens, uid)
        return Identity(uid=uid, label=str(label), extra_data={"healthUserId": uid})

    def account_label(self, tokens: TokenSet, uid: str) -> str:
        return f"Google Health user {uid}"

    def revocation_data(self, token: str) -> dict[str, str]:
        return {"token": token}

    def api_get(self, path: str, *, access_token: str, params: dict | None = None) -> dict:
        """The JSON object at path; raises GrantRevoked (401), ScopeMissing (403), BadResponse."""
        response = send(
            self.session,
            "GET",
            f"{self.config.api_url.rstrip('/')}{path}",
            provider_name=self.name,
            headers={"Authorization": f"Bearer {access_token}"},
            params=params,
        )
        if response.status_code == 401:
            raise GrantRevoked(f"{self.name} no longer accepts our access token.")
        if response.status_code == 403:
            raise ScopeMissing(f"{self.name} refused: a permission is missing.", scope="")
        if response.status_code != 200:
            raise BadResponse(f"{self.name} answered {response.status_code} to {path}.")
        return json_object(response, provider_name=self.name)

    def revoke(self, *, access_token: str, refresh_token: str, account_uid: str) -> None:
        """Ask Google to end the grant (revoking either token ends the whole grant)."""
        # Reference: https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
        response = send(
            self.session,
            "POST",
            self.config.revoke_url,
            provider_name=self.name,
            data=self.revocation_data(refresh_token or access_token),
        )
        # 400 means the token was already invalid: the grant is gone either way.
        if response.status_code not in (200, 400):
            raise BadResponse(f"{self.name} answered {response.status_code} to the revocation.")
