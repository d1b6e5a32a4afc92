"""allauth's hooks, as the door for the OAuth callback: every provider answer lands here."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib import messages
from django.shortcuts import redirect

from connections import messages as words
from connections.providers import PROVIDERS
from connections.providers.base import (
    AccountInactive,
    GrantRevoked,
    PersonMustAct,
    ScopeMissing,
)
from connections.services.credentials import (
    AccountHeldElsewhere,
    WrongAccount,
    credential_connect,
)

logger = logging.getLogger(__name__)


class ConnectAdapter(DefaultSocialAccountAdapter):
    """Providers only ever connect data sources to the logged-in user; nobody logs in with them."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        raise ImmediateHttpResponse(self._connect(request, sociallogin))

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        spec = PROVIDERS[provider.id]
        extra_context = extra_context or {}
        cause = exception.__cause__ if exception is not None else None
        if error == AuthError.CANCELLED:
            text = words.cancelled(spec)
        elif exception is None and extra_context.get("state") is None:
            text = words.bad_state(spec)
        elif exception is None:
            text = words.provider_error(spec, request.GET.get("error", "unknown error")[:60])
        elif isinstance(cause, ScopeMissing) and cause.scope in spec.permissions:
            text = words.permission_refused(spec, spec.permissions[cause.scope])
        elif isinstance(cause, ScopeMissing):
            text = words.nothing_allowed(spec)
        elif isinstance(cause, AccountInactive):
            text = words.account_inactive(spec)
        elif isinstance(cause, PersonMustAct):
            text = words.must_act_at_provider(spec, cause.action)
        elif isinstance(cause, GrantRevoked):
            text = words.code_refused(spec)
        else:
            text = words.provider_trouble(spec)
        logger.info("Connecting %s failed: %s (%s)", provider.id, error, exception)
        messages.error(request, text)
        raise ImmediateHttpResponse(redirect("connect"))

    def _connect(self, request, sociallogin):
        spec = PROVIDERS[sociallogin.account.provider]
        data = (sociallogin.state or {}).get("data") or {}
        if not request.user.is_authenticated or not data.get("tendon"):
            messages.error(request, words.not_logged_in(spec))
            return redirect("connect")
        identity = sociallogin.tendon_identity
        try:
            result = credential_connect(
                user=request.user,
                provider_id=spec.id,
                identity=identity,
                tokens=sociallogin.tendon_tokens,
                feeds=list(data.get("feeds") or []),
                requested_scopes=list(data.get("scopes") or []),
                expected_uid=data.get("expected_uid"),
            )
        except AccountHeldElsewhere:
            messages.error(request, words.held_elsewhere(spec))
            return redirect("connect")
        except WrongAccount as refusal:
            messages.error(
                request,
                words.wrong_account(
                    spec, actual=refusal.actual_label, expected=refusal.expected_label
                ),
            )
            return redirect("connect")
        messages.success(
            request,
            words.connected(spec, data.get("feeds") or [], reconnected=result.reconnected),
        )
        return redirect("connect")
