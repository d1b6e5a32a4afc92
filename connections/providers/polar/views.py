"""Polar's login dance: HTTP Basic client authentication (in the client), then the mandatory
registration of the user with Tendon's client, without which Polar serves no data."""

from __future__ import annotations

import hashlib

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import HttpRequest

from connections.providers.allauth_glue import TendonOAuth2Adapter
from connections.providers.base import Identity, TokenSet


def member_id(*, user_pk: int, polar_user_id: str) -> str:
    """Tendon's `member-id` for a Polar account: stable and unique per Tendon person and Polar
    account, and no personal data. Polar answers 409 both for "already registered" and for a
    "duplicated member-id"; with this id either can only mean this very person registered
    this very account before."""
    digest = hashlib.sha256(f"tendon-polar-member:{user_pk}:{polar_user_id}".encode())
    return f"tendon-{digest.hexdigest()[:24]}"


class PolarOAuth2Adapter(TendonOAuth2Adapter):
    # Reference: https://www.polar.com/accesslink-api/#authorization-endpoint
    provider_id = "polar"

    def identity_for(self, request: HttpRequest, client, tokens: TokenSet) -> Identity:
        """The Polar user the token names, registered with Tendon's client (again: harmless).

        Raises PersonMustAct when Polar waits for the person's consents (403)."""
        identity = client.identity(tokens)
        if not request.user.is_authenticated:
            return identity  # the connect door refuses this callback anyway: register nobody
        profile = client.register_user(
            access_token=tokens.access_token,
            member_id=member_id(user_pk=request.user.pk, polar_user_id=identity.uid),
        )
        if profile is None:  # registered before (409): ask who it is, for the account's name
            profile = client.user_profile(access_token=tokens.access_token, user_id=identity.uid)
        return client.identity(tokens, profile=profile)


oauth2_login = OAuth2LoginView.adapter_view(PolarOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(PolarOAuth2Adapter)
