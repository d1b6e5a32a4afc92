"""The one door for tokens (DESIGN.md rule 1), the refresher, and key rotation."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from connections.models import ConnectionEvent, Credential
from connections.providers import PROVIDERS, offered_spec
from connections.providers.base import GrantRevoked, ProviderError, ProviderUnavailable, TokenSet
from connections.services.budgets import run_time_budget
from connections.services.clients import provider_client
from connections.services.events import event_record
from connections.services.flags import credential_flag

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires
REFRESH_LEASE = timedelta(seconds=60)  # longer than a refresh request can take (timeouts)
LEASE_POLL = 0.1  # seconds between looks while another worker refreshes
IDLE_REFRESH_AFTER = timedelta(days=1)
RECENTLY_REFRESHED = timedelta(
    minutes=30
)  # refresh an unused grant so the provider never retires it
BATCH = 500


class TokensUnreadable(ProviderError):
    """The stored tokens cannot be decrypted with the configured keys: Tendon's fault, not the
    provider's nor the person's. Retried with back-off; the grant is not flagged (put the old
    key back in TOKEN_ENCRYPTION_KEYS and everything carries on)."""

    code = "tokens_unreadable"


class NeedsReauthorization(GrantRevoked):
    """The credential is flagged: only the user can fix it, by reconnecting."""

    code = "needs_reauth"


class CannotRenew(ProviderError):
    """A renewal was asked of a grant whose provider issues no refresh token (Polar): there is
    nothing to renew; the access token stays what it is until the person grants access again."""

    code = "not_renewable"


def renewable(credential: Credential) -> bool:
    """Whether the credential's provider issues refresh tokens (an unknown provider: assume so)."""
    spec = PROVIDERS.get(credential.provider)
    return spec is None or spec.refresh_tokens_issued


def rotates(credential: Credential) -> bool:
    """Whether the credential's provider replaces the refresh token at every refresh, killing
    the old one (an unknown provider: assume so)."""
    spec = PROVIDERS.get(credential.provider)
    return spec is None or spec.refresh_tokens_rotate


def providers_without_refresh_tokens() -> list[str]:
    return [spec.id for spec in PROVIDERS.values() if not spec.refresh_tokens_issued]


@sensitive_variables()
def credential_get_access_token(
    *,
    credential: Credential,
    force_refresh: bool = False,
    min_validity: timedelta = REFRESH_MARGIN,
    just_read: bool = False,
) -> str:
    """A usable access token for credential, refreshed first when it is (nearly) expired.
    `just_read`: the credential was read moments ago (an import's, as the run started under
    its connection's claim); a token it holds that stays valid for min_validity is used as
    read, with no second read of the row. Anything else (a stale token, a flagged grant, a
    forced refresh) goes through the row lock below.

    Raises NeedsReauthorization when the grant is dead (the credential is then flagged and the
    user told), ProviderError to retry later.

    Two workers never spend the same refresh token: under the credential's row lock, the one
    that finds the token stale takes a short refresh lease; the others wait for its result and
    re-read. The lease, not an open transaction, spans the provider's HTTP answer, so no
    database lock is held while a provider thinks (on SQLite that would block every writer,
    the demo provider's own token endpoint included).
    """
    if just_read and not force_refresh and _usable_as_read(credential, min_validity):
        return credential.access_token
    waited_until = time.monotonic() + REFRESH_LEASE.total_seconds() + 5
    while True:
        with transaction.atomic():
            locked = Credential.objects.select_for_update().get(pk=credential.pk)
            if locked.status != Credential.Status.ACTIVE:
                raise NeedsReauthorization(f"Credential {locked.pk} needs re-authorization.")
            if locked.tokens_unreadable:
                raise TokensUnreadable(
                    f"Credential {locked.pk}: no key in TOKEN_ENCRYPTION_KEYS decrypts its tokens."
                )
            offered_spec(locked.provider)  # ProviderNotOffered: no lease taken, nothing asked
            if not renewable(locked):
                # One long-lived access token and nothing to renew it with: use it as it is (a
                # 401 from the provider, not the clock, says when it stops working).
                if force_refresh:
                    raise CannotRenew(
                        f"Credential {locked.pk}: the provider issues no refresh token, so there "
                        "is nothing to renew."
                    )
                return locked.access_token
            now = timezone.now()
            if not force_refresh and not _stale(locked, now=now, min_validity=min_validity):
                return locked.access_token
            if locked.refresh_lease_until is None or locked.refresh_lease_until <= now:
                # A lease that lapsed without being given back: its worker died mid-refresh,
                # perhaps after the provider rotated the pair and before we stored it.
                interrupted = locked.refresh_lease_until is not None
                locked.refresh_lease_until = now + REFRESH_LEASE
                locked.save(update_fields=["refresh_lease_until"])
                break  # ours to refresh
        # Another worker is refreshing: its new token is what we want, forced or not.
        if time.monotonic() > waited_until:
            raise ProviderUnavailable("Another worker's token refresh did not finish in time.")
        force_refresh = False
        time.sleep(LEASE_POLL)
    return _refresh_under_lease(locked, interrupted=interrupted)


def _usable_as_read(credential: Credential, min_validity: timedelta) -> bool:
    if credential.status != Credential.Status.ACTIVE or credential.tokens_unreadable:
        return False
    if not renewable(credential):
        return bool(credential.access_token)
    return not _stale(credential, now=timezone.now(), min_validity=min_validity)


@sensitive_variables()
def credential_token_rejected(*, credential: Credential, error: GrantRevoked) -> str:
    """A new access token after the provider refused ours (a 401): renewed once. Where the
    provider issues no refresh token the grant is gone: the credential is flagged (the person
    told once) and NeedsReauthorization raised. Raises like credential_get_access_token."""
    if renewable(credential):
        return credential_get_access_token(credential=credential, force_refresh=True)
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        replaced = locked.access_token not in ("", credential.access_token)
        if locked.status == Credential.Status.ACTIVE and replaced:
            return locked.access_token  # a reconnect replaced the token meanwhile: try that one
        credential_flag(
            credential=locked,
            reason=f"{error} (this provider issues no refresh token: the grant is gone)",
        )
    raise NeedsReauthorization(str(error))


def _stale(credential: Credential, *, now, min_validity: timedelta) -> bool:
    idle = credential.last_refreshed_at is None or (
        credential.last_refreshed_at < now - IDLE_REFRESH_AFTER
    )
    return idle or credential.expires_within(min_validity)


@sensitive_variables()
def _refresh_under_lease(leased: Credential, *, interrupted: bool) -> str:
    spent_refresh_token = leased.refresh_token
    try:
        if not spent_refresh_token:
            raise GrantRevoked("No refresh token is held.")
        tokens = provider_client(provider_id=leased.provider).refresh(
            refresh_token=spent_refresh_token
        )
    except GrantRevoked as error:
        return _flag_unless_rotated(
            leased, spent_refresh_token=spent_refresh_token, error=error, interrupted=interrupted
        )
    except ProviderError:
        Credential.objects.filter(pk=leased.pk).update(
            refresh_failures=F("refresh_failures") + 1, refresh_lease_until=None
        )
        raise
    except Exception:
        Credential.objects.filter(pk=leased.pk).update(refresh_lease_until=None)
        raise
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=leased.pk)
        if locked.refresh_token != spent_refresh_token or locked.status != Credential.Status.ACTIVE:
            # A reconnect replaced the grant while we refreshed the old one: theirs wins.
            locked.refresh_lease_until = None
            locked.save(update_fields=["refresh_lease_until"])
            if locked.status != Credential.Status.ACTIVE:
                raise NeedsReauthorization(f"Credential {locked.pk} needs re-authorization.")
            return locked.access_token
        recovered = locked.refresh_failures > 0
        _store(locked, tokens, recovered=recovered)
        return locked.access_token


def _store(credential: Credential, tokens: TokenSet, *, recovered: bool) -> None:
    credential.access_token = tokens.access_token
    credential.refresh_token = tokens.refresh_token or credential.refresh_token
    credential.expires_at = tokens.expires_at
    if tokens.scopes:
        # What the provider says the grant covers now (a permission taken back shows up here).
        credential.scopes = sorted(tokens.scopes)
    credential.last_refreshed_at = timezone.now()
    credential.refresh_failures = 0
    credential.refresh_lease_until = None
    credential.save()
    if recovered:
        for connection in credential.connections.all():
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.REFRESHED,
                message="Access renewed.",
            )


@sensitive_variables()
def _flag_unless_rotated(
    credential: Credential, *, spent_refresh_token: str, error: GrantRevoked, interrupted: bool
) -> str:
    """Flags the credential for re-authorization, unless someone rotated the pair meanwhile.

    After an interrupted refresh at a provider that rotates refresh tokens the refusal is most
    likely our own doing (the provider rotated the pair and the worker died before storing it):
    the person is told so, honestly. Where the provider keeps the old refresh token valid for a
    while (Withings), the retry with the token we still hold simply succeeds and nobody is
    bothered. A provider that does not rotate (Google) cannot have spent our token in that
    refresh: its refusal is its own word, said as such."""
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        locked.refresh_lease_until = None
        locked.save(update_fields=["refresh_lease_until"])
        rotated = locked.refresh_token != spent_refresh_token
        if locked.status == Credential.Status.ACTIVE and rotated:
            # Another worker (or a reconnect) rotated the pair: a lost race, not a dead grant.
            return locked.access_token
        lost = interrupted and rotates(locked)
        cause = Credential.FlagCause.LOST if lost else Credential.FlagCause.PROVIDER
        detail = f"{error} (after an interrupted refresh)" if interrupted else str(error)
        credential_flag(credential=locked, reason=detail, cause=cause)
    raise NeedsReauthorization(str(error))


def credentials_refresh_expiring(*, within: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Refreshes active credentials that expire within `within` or sat idle for a day.

    Returns counts by outcome: refreshed, flagged, failed, and those left for the next run
    when the task's time budget (derived from Q_TIMEOUT) ran out.
    """
    now = timezone.now()
    idle_since = now - IDLE_REFRESH_AFTER
    # Expiring soon, but not just renewed: a one-hour token is not renewed every ten minutes.
    expiring = Q(expires_at__lte=now + within, last_refreshed_at__lte=now - RECENTLY_REFRESHED)
    # Only providers this Tendon offers and that issue refresh tokens: nothing to renew
    # elsewhere, and a provider switched off in settings must not stop the ones after it.
    renewable_here = [spec.id for spec in PROVIDERS.values() if spec.refresh_tokens_issued]
    due = (
        Credential.objects.filter(status=Credential.Status.ACTIVE, provider__in=renewable_here)
        .filter(expiring | Q(last_refreshed_at__lt=idle_since) | Q(last_refreshed_at__isnull=True))
    )
    # Stop in time: django-q2 kills the task at Q_TIMEOUT, possibly mid-refresh.
    deadline = time.monotonic() + run_time_budget()
    counts = {"refreshed": 0, "flagged": 0, "failed": 0, "left_for_next_run": 0}
    for credential in due.only("pk").iterator():
        if time.monotonic() > deadline:
            counts["left_for_next_run"] += 1
            continue
        try:
            credential_get_access_token(credential=credential, min_validity=within)
        except NeedsReauthorization:
            counts["flagged"] += 1
        except ProviderError as error:
            counts["failed"] += 1
            logger.warning("Refreshing credential %s failed: %s", credential.pk, error)
        else:
            counts["refreshed"] += 1
    return counts


def tokens_reencrypt() -> tuple[int, list[int]]:
    """Re-encrypts every credential's tokens under the first key. Returns how many credentials
    were re-encrypted, and the ids of those no key could read (left exactly as they were)."""
    count = 0
    unreadable: list[int] = []
    pks = list(Credential.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            batch = list(
                Credential.objects.select_for_update().filter(pk__in=pks[start : start + BATCH])
            )
            unreadable += [c.pk for c in batch if c.tokens_unreadable]
            # Reading decrypts with any key; writing encrypts with the first (an unreadable
            # token is written back as the ciphertext it was).
            Credential.objects.bulk_update(batch, ["access_token", "refresh_token"])
            count += len(batch) - sum(1 for c in batch if c.tokens_unreadable)
    return count, unreadable


def credential_refresh_now(*, credential: Credential, actor) -> None:
    """Refreshes the credential's tokens at once (staff); raises as the door does. Whatever
    the outcome, the timeline records that the staff member asked, except ProviderNotOffered:
    the provider has left the registry, nothing was asked of anyone."""
    offered_spec(credential.provider)
    try:
        credential_get_access_token(credential=credential, force_refresh=True)
    except (GrantRevoked, ProviderError) as error:
        message = (
            "Our support team tried to renew access; this provider issues no refresh token, "
            "so there is nothing to renew."
            if isinstance(error, CannotRenew)
            else "Our support team tried to renew access; the provider refused or did not answer."
        )
        for connection in credential.connections.all():
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.REFRESH_FAILED,
                actor=actor,
                message=message,
                detail=str(error),
            )
        raise
    for connection in credential.connections.all():
        event_record(
            connection=connection,
            kind=ConnectionEvent.Kind.REFRESHED,
            actor=actor,
            message="Our support team renewed access.",
        )


def credential_reset(*, credential: Credential, actor, reason: str) -> bool | None:
    """Staff's Disable -> Remove -> Enable in one step: deletes the tokens at once (the provider
    is asked to revoke them, in the background if it is slow), keeps data and cursors, and asks
    the user (banner and e-mail, with support's reason) to grant access again with Reconnect.

    Returns True if the provider confirmed the revocation, None if not yet, False if it refused.
    """
    from connections.services.revocations import revocation_attempt, revocation_queue

    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        revocation = revocation_queue(credential=locked, reason="reset")
        locked.access_token = ""
        locked.refresh_token = ""
        locked.expires_at = None
        locked.notified_at = None  # this is a new request to the user: tell them
        locked.save()
        credential_flag(
            credential=locked,
            reason=f"Reset by support: {reason}",
            actor=actor,
            cause=Credential.FlagCause.SUPPORT_RESET,
            note=reason,
        )
    return revocation_attempt(revocation=revocation, inline=True) if revocation else True
