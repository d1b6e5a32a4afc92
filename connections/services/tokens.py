"""The one door for tokens (DESIGN.md rule 1), the refresher, and key rotation."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from connections.models import ConnectionEvent, Credential
from connections.providers.base import GrantRevoked, ProviderError, TokenSet
from connections.services.credentials import provider_client
from connections.services.events import event_record

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires
IDLE_REFRESH_AFTER = timedelta(days=1)  # refresh an unused grant so the provider never retires it
BATCH = 500


class NeedsReauthorization(GrantRevoked):
    """The credential is flagged: only the user can fix it, by reconnecting."""

    code = "needs_reauth"


def credential_get_access_token(
    *,
    credential: Credential,
    force_refresh: bool = False,
    min_validity: timedelta = REFRESH_MARGIN,
) -> str:
    """A usable access token for credential, refreshed first when it is (nearly) expired.

    Locks the credential row so that two workers never spend the same refresh token; stores the
    rotated pair in the same transaction. Raises NeedsReauthorization when the grant is dead
    (the credential is then flagged and the user told), ProviderError to retry later.
    """
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.status != Credential.Status.ACTIVE:
            raise NeedsReauthorization(f"Credential {locked.pk} needs re-authorization.")
        now = timezone.now()
        idle = (
            locked.last_refreshed_at is None or locked.last_refreshed_at < now - IDLE_REFRESH_AFTER
        )
        if not force_refresh and not idle and not locked.expires_within(min_validity):
            return locked.access_token
        spent_refresh_token = locked.refresh_token
        transient: ProviderError | None = None
        error: GrantRevoked | None = None
        if not spent_refresh_token:
            error = GrantRevoked("No refresh token is held.")
        else:
            try:
                tokens = provider_client(provider_id=locked.provider).refresh(
                    refresh_token=spent_refresh_token
                )
            except GrantRevoked as revoked:
                error = revoked
            except ProviderError as failure:
                transient = failure
            else:
                _store(locked, tokens, recovered=locked.refresh_failures > 0 or force_refresh)
                return locked.access_token
    if transient is not None:
        # Counted outside the failed attempt's transaction so that it sticks; never flags.
        Credential.objects.filter(pk=credential.pk).update(
            refresh_failures=F("refresh_failures") + 1
        )
        raise transient
    return _flag_unless_rotated(credential, spent_refresh_token=spent_refresh_token, error=error)


def _store(credential: Credential, tokens: TokenSet, *, recovered: bool) -> None:
    credential.access_token = tokens.access_token
    credential.refresh_token = tokens.refresh_token or credential.refresh_token
    credential.expires_at = tokens.expires_at
    if tokens.scopes:
        # What the provider says the grant covers now (a permission taken back shows up here).
        credential.scopes = sorted(tokens.scopes)
    credential.last_refreshed_at = timezone.now()
    credential.refresh_failures = 0
    credential.save()
    if recovered:
        for connection in credential.connections.all():
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.REFRESHED,
                message="Access renewed.",
            )


def _flag_unless_rotated(
    credential: Credential, *, spent_refresh_token: str, error: GrantRevoked
) -> str:
    """Flags the credential for re-authorization, unless someone rotated the pair meanwhile."""
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        rotated = locked.refresh_token != spent_refresh_token
        if locked.status == Credential.Status.ACTIVE and rotated:
            # Another worker (or a reconnect) rotated the pair: a lost race, not a dead grant.
            return locked.access_token
        credential_flag(credential=locked, reason=str(error))
    raise NeedsReauthorization(str(error))


def credential_flag(*, credential: Credential, reason: str, actor=None) -> bool:
    """Marks the credential as needing re-authorization; True if it was not flagged before.

    Its connections stop importing; the user is e-mailed once (after commit) and sees a banner.
    """
    from accounts.services.notifications import notify_reconnect_needed

    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.status == Credential.Status.NEEDS_REAUTH:
            return False
        locked.status = Credential.Status.NEEDS_REAUTH
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        for connection in locked.connections.all():
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.FLAGGED,
                actor=actor,
                message=f"The provider no longer accepts our access ({reason[:200]}); "
                "we e-mailed you.",
            )
        transaction.on_commit(lambda: notify_reconnect_needed(credential_id=locked.pk))
    logger.info("Credential %s flagged for re-authorization: %s", credential.pk, reason)
    return True


def credentials_refresh_expiring(*, within: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Refreshes active credentials that expire within `within` or sat idle for a day.

    Returns counts by outcome: refreshed, flagged, failed.
    """
    now = timezone.now()
    idle_since = now - IDLE_REFRESH_AFTER
    due = Credential.objects.filter(status=Credential.Status.ACTIVE).filter(
        Q(expires_at__lte=now + within)
        | Q(last_refreshed_at__lt=idle_since)
        | Q(last_refreshed_at__isnull=True)
    )
    counts = {"refreshed": 0, "flagged": 0, "failed": 0}
    for credential in due.only("pk").iterator():
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


def tokens_reencrypt() -> int:
    """The number of credentials whose tokens were re-encrypted under the first key."""
    count = 0
    pks = list(Credential.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            batch = list(
                Credential.objects.select_for_update().filter(pk__in=pks[start : start + BATCH])
            )
            # Reading decrypts with any key; writing encrypts with the first.
            Credential.objects.bulk_update(batch, ["access_token", "refresh_token"])
            count += len(batch)
    return count
