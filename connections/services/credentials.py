"""Writes on credentials: connecting a provider account, removing it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential
from connections.providers import PROVIDERS
from connections.providers.base import GrantRevoked, Identity, ProviderError, TokenSet
from connections.services.events import event_record

logger = logging.getLogger(__name__)


class ConnectRefused(Exception):
    """The provider account cannot be connected here; nothing was changed."""


class AccountHeldElsewhere(ConnectRefused):
    pass


class WrongAccount(ConnectRefused):
    def __init__(self, *, expected_label: str, actual_label: str) -> None:
        super().__init__(f"expected {expected_label}, got {actual_label}")
        self.expected_label = expected_label
        self.actual_label = actual_label


@dataclass(frozen=True)
class ConnectResult:
    credential: Credential
    connections: list[Connection]
    reconnected: bool


def provider_client(*, provider_id: str, request=None):
    """The API client for provider_id, with the OAuth app from settings or the admin."""
    app = get_socialaccount_adapter().get_app(request, provider=provider_id)
    return PROVIDERS[provider_id].client(client_id=app.client_id, client_secret=app.secret)


@transaction.atomic
def credential_connect(
    *,
    user,
    provider_id: str,
    identity: Identity,
    tokens: TokenSet,
    feeds: list[str],
    requested_scopes: list[str],
    expected_uid: str | None = None,
) -> ConnectResult:
    """The credential for this provider account, holding the new tokens, and its connections.

    Raises AccountHeldElsewhere when another local account holds the provider account, and
    WrongAccount when a reconnect came back with another provider account; nothing changes then.
    """
    spec = PROVIDERS[provider_id]
    live = (
        Credential.objects.select_for_update()
        .filter(provider=provider_id, account_uid=identity.uid)
        .exclude(status=Credential.Status.REVOKED)
        .first()
    )
    if live is not None and live.user_id != user.pk:
        raise AccountHeldElsewhere(identity.label)
    if expected_uid and expected_uid != identity.uid:
        expected = (
            Credential.objects.filter(user=user, provider=provider_id, account_uid=expected_uid)
            .order_by("-updated_at")
            .first()
        )
        raise WrongAccount(
            expected_label=expected.account_label if expected else expected_uid,
            actual_label=identity.label,
        )

    credential = live or (
        Credential.objects.select_for_update()
        .filter(user=user, provider=provider_id, account_uid=identity.uid)
        .order_by("-updated_at")
        .first()
    )
    if credential is None:
        credential = Credential(user=user, provider=provider_id, account_uid=identity.uid)
    reconnected = credential.pk is not None and credential.status != Credential.Status.ACTIVE
    now = timezone.now()

    credential.account_label = identity.label[:255]
    credential.access_token = tokens.access_token
    if tokens.refresh_token:  # Google sends none on incremental consent: keep the one we hold
        credential.refresh_token = tokens.refresh_token
    credential.expires_at = tokens.expires_at
    granted = tokens.scopes if tokens.scopes is not None else set(requested_scopes)
    if credential.status == Credential.Status.ACTIVE and spec.incremental_authorization:
        granted = set(granted) | set(credential.scopes)  # earlier scopes stay on the grant
    credential.scopes = sorted(granted)
    if credential.status != Credential.Status.ACTIVE:
        credential.status = Credential.Status.ACTIVE
        credential.status_changed_at = now
    credential.refresh_failures = 0
    credential.refresh_lease_until = None
    credential.notified_at = None  # a new incident gets its own e-mail
    credential.last_refreshed_at = now
    credential.social_account, _ = SocialAccount.objects.update_or_create(
        provider=provider_id,
        uid=identity.uid,
        defaults={"user": user, "extra_data": identity.extra_data},
    )
    credential.save()

    connections = _attach_connections(user=user, credential=credential, feeds=feeds, now=now)
    from connections.services.subscriptions import push_subscription_request

    push_subscription_request(credential=credential)  # after commit; never blocks connecting
    return ConnectResult(credential=credential, connections=connections, reconnected=reconnected)


def _attach_connections(*, user, credential: Credential, feeds: list[str], now) -> list[Connection]:
    """Chosen feeds and the feeds already on this grant, enabled and ready to import at once."""
    chosen = set(feeds)
    existing = {
        c.feed: c
        for c in Connection.objects.select_for_update().filter(
            user=user, provider=credential.provider, account_uid=credential.account_uid
        )
    }
    attached: list[Connection] = []
    for feed in PROVIDERS[credential.provider].feeds:
        connection = existing.get(feed)
        was_on_grant = connection is not None and connection.credential_id == credential.pk
        if feed not in chosen and not (was_on_grant and connection.enabled):
            continue
        if connection is None:
            connection = Connection(
                user=user,
                provider=credential.provider,
                account_uid=credential.account_uid,
                feed=feed,
            )
            kind = ConnectionEvent.Kind.CONNECTED
        elif was_on_grant and connection.enabled:
            kind = ConnectionEvent.Kind.RECONNECTED
        else:
            kind = ConnectionEvent.Kind.ENABLED  # enabled again: the cursor carries on
        missing = PROVIDERS[credential.provider].missing_permissions(feed, credential.scopes)
        connection.credential = credential
        connection.enabled = True
        connection.next_run_at = now
        # Kept in the row so that staff can filter on it (the page derives it from the scopes).
        connection.last_error_code = "scope_missing" if missing else ""
        connection.last_error_message = (
            f"Permission missing: {', '.join(p.label for p in missing)}." if missing else ""
        )
        connection.failing_since = None
        connection.paused_until = None
        connection.save()
        event_record(
            connection=connection,
            kind=kind,
            actor=user,
            message=f"Access granted by {credential.account_label}.",
        )
        attached.append(connection)
    return attached


@dataclass(frozen=True)
class RemoveResult:
    revoked_at_provider: bool


def credential_remove(*, credential: Credential, actor) -> RemoveResult:
    """Revokes the grant at the provider where it can, deletes the tokens, keeps data and cursors.

    Returns whether the provider confirmed the revocation. Never raises for a provider failure.
    """
    revoked = revoke_at_provider(credential)
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        social_account_id = credential.social_account_id
        credential.access_token = ""
        credential.refresh_token = ""
        credential.expires_at = None
        credential.status = Credential.Status.REVOKED
        credential.status_changed_at = timezone.now()
        credential.social_account = None
        credential.push_subscribed = []
        credential.push_sync_due_at = None
        credential.save()
        if social_account_id:
            SocialAccount.objects.filter(pk=social_account_id).delete()
        message = (
            f"Removed; {PROVIDERS[credential.provider].account_owner} revoked our access."
            if revoked
            else "Removed; tokens deleted. The provider could not confirm the revocation."
        )
        for connection in Connection.objects.select_for_update().filter(credential=credential):
            connection.credential = None
            connection.enabled = False
            connection.next_run_at = None
            connection.save(update_fields=["credential", "enabled", "next_run_at", "updated_at"])
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.REMOVED,
                actor=actor,
                message=message,
            )
    return RemoveResult(revoked_at_provider=revoked)


def revoke_at_provider(credential: Credential) -> bool:
    """True if the provider confirmed the grant is revoked; never raises."""
    if not (credential.access_token or credential.refresh_token):
        return False
    from connections.services.subscriptions import push_unsubscribe_at_provider

    if credential.push_subscribed:  # while we still hold a token for it
        push_unsubscribe_at_provider(credential)
        credential.refresh_from_db(fields=["access_token", "refresh_token"])  # may have rotated
    try:
        provider_client(provider_id=credential.provider).revoke(
            access_token=credential.access_token,
            refresh_token=credential.refresh_token,
            account_uid=credential.account_uid,
        )
    except (ProviderError, GrantRevoked) as error:
        # A grant the provider already dropped is as good as revoked; anything else we log.
        logger.warning("Revocation of credential %s failed: %s", credential.pk, error)
        return isinstance(error, GrantRevoked)
    except Exception:  # noqa: BLE001 - Remove must always work, whatever the provider does
        logger.exception("Revocation of credential %s failed", credential.pk)
        return False
    return True
