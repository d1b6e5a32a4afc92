"""The demo provider (sandbox/): Google Health v4 shapes behind django-oauth-toolkit.

It is the Google Health client with two differences a real OAuth server may have: revocation
wants the client's credentials, and refresh tokens rotate (single use).
"""

from __future__ import annotations

from connections.providers.base import TokenSet
from connections.providers.google_health.client import GoogleHealthClient


class DemoClient(GoogleHealthClient):
    def revocation_data(self, token: str) -> dict[str, str]:
        # Reference: https://django-oauth-toolkit.readthedocs.io/en/latest/tutorial/tutorial_04.html
        return {
            "token": token,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }

    def account_label(self, tokens: TokenSet, uid: str) -> str:
        # The sandbox's own extra: which demo account signed in, so pages can name it.
        body = self.api_get("/whoami", access_token=tokens.access_token)
        return str(body.get("email") or f"Demo account {uid}")
