"""Writes on credentials: connecting a provider account, removing it."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential
from connections.providers import PROVIDERS, spec_for
from connections.providers.base import Identity, TokenSet
from connections.services.events import event_record
from connections.services.revocations import (
    revocation_attempt,
    revocation_queue,
    revocations_cancel,
)
from connections.services.scheduling import imports_dispatch_soon


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


def credential_connect(**arguments) -> ConnectResult:
    """The credential for this provider account, holding the new tokens, and its connections.

    Raises AccountHeldElsewhere when another local account holds the provider account (also when
    two people finish connecting the same provider account at the same moment: the second finds
    the first's row once it is committed), and WrongAccount when a reconnect came back with
    another provider account; nothing changes then.
    """
    try:
        return _connect(**arguments)
    except IntegrityError:
        # Someone else's connect of this provider account committed while ours ran. Once more,
        # now that their row is visible: theirs (AccountHeldElsewhere) or ours (the same user).
        try:
            return _connect(**arguments)
        except IntegrityError as error:
            raise AccountHeldElsewhere(arguments["identity"].label) from error


@transaction.atomic
def _connect(
    *,
    user,
    provider_id: str,
    identity: Identity,
    tokens: TokenSet,
    feeds: list[str],
    requested_scopes: list[str],
    expected_uid: str | None = None,
) -> ConnectResult:
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
    credential.expiry_notified_at = None  # a new token: its own expiry, its own notice
    credential.last_refreshed_at = now
    # The old grant of this account must not be revoked now: it would end this new one too.
    revocations_cancel(provider=provider_id, account_uid=identity.uid)
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
    imports_dispatch_soon()  # "Importing starts now": within seconds, not at the next minute
    return attached


@dataclass(frozen=True)
class RemoveResult:
    # True: the provider confirmed; None: not yet (asked again in the background); False: gave up
    revoked_at_provider: bool | None


def credential_remove(*, credential: Credential, actor) -> RemoveResult:
    """Deletes the grant's tokens and disconnects its feeds at once, keeping data and cursors,
    then asks the provider to revoke the grant (in the background if it does not answer fast).

    Never raises for a provider failure and never waits long on one.
    """

    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        revocation = revocation_queue(credential=credential, reason="removed")
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
        spec = spec_for(credential.provider)
        # In the person's words: what they did and what it means, not how we store it.
        said = (
            f"Removed {spec.short_name}: we deleted the access you gave us and asked "
            f"{spec.account_owner} to end it. Everything imported so far is kept."
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
                message=said,
            )
    revoked = revocation_attempt(revocation=revocation, inline=True) if revocation else True
    return RemoveResult(revoked_at_provider=revoked)
