"""Sending a person to a provider's consent page, with exactly the permissions their feeds need."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from connections.models import Connection, Credential
from connections.providers import PROVIDERS


def authorization_start(
    *,
    request: HttpRequest,
    provider_id: str,
    feeds: list[str],
    expected_credential: Credential | None = None,
) -> HttpResponse:
    """The redirect to the provider's consent page (authorization code with PKCE and state).

    With expected_credential (Reconnect), the callback accepts only that provider account back.
    """
    spec = PROVIDERS[provider_id]
    provider = get_socialaccount_adapter().get_provider(request, provider_id)
    if not spec.incremental_authorization:
        # The new grant replaces the old one: keep asking for what the feeds already use.
        feeds = [f for f in spec.feeds if f in set(feeds) | _feeds_in_use(request.user, spec.id)]
    scopes = spec.scopes_for(feeds)
    auth_params = dict(spec.extra_auth_params)
    if spec.consent_param and (
        expected_credential is not None or not _holds_refresh_token(request.user, provider_id)
    ):
        # Google issues a refresh token only when it shows its consent screen.
        key, value = spec.consent_param
        auth_params[key] = value
    if expected_credential is not None and "@" in expected_credential.account_label:
        auth_params["login_hint"] = expected_credential.account_label
    return provider.redirect(
        request,
        AuthProcess.CONNECT,
        next_url=reverse("connect"),
        data={
            "tendon": True,
            "feeds": list(feeds),
            "scopes": scopes,
            "expected_uid": expected_credential.account_uid if expected_credential else None,
        },
        scope=scopes,
        auth_params=auth_params,
    )


def _holds_refresh_token(user, provider_id: str) -> bool:
    return any(
        credential.refresh_token
        for credential in Credential.objects.filter(
            user=user, provider=provider_id, status=Credential.Status.ACTIVE
        )
    )


def _feeds_in_use(user, provider_id: str) -> set[str]:
    return set(
        Connection.objects.filter(
            user=user,
            provider=provider_id,
            enabled=True,
            credential__status=Credential.Status.ACTIVE,
        ).values_list("feed", flat=True)
    )
