"""Asking providers to end grants, without ever keeping a person waiting on them (issue 9).

Remove, support's reset and account deletion let go of a grant locally first (the tokens move
from the credential to a Revocation row, in the same transaction). The provider is then asked at
once with a short timeout, and again in the background with back-off until it answers or Tendon
gives up, so a provider that takes 25 seconds to answer costs the person nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, Revocation
from connections.providers import PROVIDERS
from connections.providers.base import GrantRevoked
from connections.services.budgets import run_time_budget, run_time_limit
from connections.services.clients import provider_client
from connections.services.events import event_record

logger = logging.getLogger(__name__)

INLINE_TIMEOUT = (3, 5)  # seconds to connect and to read, while a person waits
INLINE_BUDGET = 10.0  # seconds a person's request spends asking providers, in all: a hard bound
MAX_ATTEMPTS = 12  # then give up (about a day of back-off) and say so
RETRY_BASE = timedelta(minutes=2)
RETRY_CAP = timedelta(hours=6)


def revocation_queue(*, credential: Credential, reason: str) -> Revocation | None:
    """A pending revocation holding the credential's tokens, or None when it holds none.

    Call it inside the transaction that deletes the tokens from the credential."""
    if not (credential.access_token or credential.refresh_token):
        return None
    return Revocation.objects.create(
        provider=credential.provider,
        account_uid=credential.account_uid,
        account_label=credential.account_label,
        user=credential.user,
        reason=reason,
        push_subscribed=list(credential.push_subscribed or []),
        access_token=credential.access_token,
        refresh_token=credential.refresh_token,
    )


def revocations_cancel(*, provider: str, account_uid: str) -> int:
    """Drops pending revocations of a provider account that has just been connected again:
    revoking the old grant now would end the new one too (Google and Withings revoke per account).
    Returns how many were dropped."""
    return Revocation.objects.filter(
        provider=provider, account_uid=account_uid, status=Revocation.Status.PENDING
    ).update(
        status=Revocation.Status.CANCELLED,
        access_token="",
        refresh_token="",
        finished_at=timezone.now(),
    )


def revocation_attempt(
    *, revocation: Revocation, inline: bool = False, deadline: float | None = None
) -> bool | None:
    """Asks the provider once. True: the grant is gone; False: Tendon gave up; None: not yet
    (it is tried again later). Never raises for a provider's failure.

    Every request of the attempt (an attempt may make several: push subscriptions to end, a
    token to renew before revoking) is over by `deadline` (time.monotonic()); inline, a person
    waits: short timeouts, and INLINE_BUDGET from now unless a deadline is given."""
    if inline and deadline is None:
        deadline = time.monotonic() + INLINE_BUDGET
    claimed = _claim(revocation)
    if claimed is None:
        return Revocation.objects.get(pk=revocation.pk).status == Revocation.Status.DONE
    spec = PROVIDERS.get(claimed.provider)
    if spec is None:
        return _finish(claimed, done=False, error="This provider is not available on this Tendon.")
    try:
        client = provider_client(provider_id=claimed.provider)
        if inline:
            client.session.tendon_timeout = INLINE_TIMEOUT
        client.session.tendon_deadline = deadline
        _unsubscribe(claimed, client)
        client.revoke(
            access_token=claimed.access_token,
            refresh_token=claimed.refresh_token,
            account_uid=claimed.account_uid,
        )
    except GrantRevoked:
        return _finish(claimed, done=True)  # already gone: as good as revoked
    except Exception as error:  # noqa: BLE001 - any failure is retried, never raised at a person
        logger.warning("Revocation %s at %s failed: %s", claimed.pk, claimed.provider, error)
        if claimed.attempts >= MAX_ATTEMPTS:
            return _finish(claimed, done=False, error=str(error))
        Revocation.objects.filter(pk=claimed.pk).update(last_error=str(error)[:2000])
        return None
    return _finish(claimed, done=True)


def _unsubscribe(revocation: Revocation, client) -> None:
    """Ends the account's push subscriptions first, while its access token still works; a
    failure here never stops the revocation (Withings drops them with the grant anyway)."""
    spec = PROVIDERS.get(revocation.provider)
    if not revocation.push_subscribed or spec is None or not spec.push_subscriptions:
        return
    from connections.services.subscriptions import webhook_url

    try:
        client.push_unsubscribe(
            access_token=revocation.access_token,
            callback_url=webhook_url(revocation.provider),
            applis=list(revocation.push_subscribed),
        )
    except Exception as error:  # noqa: BLE001 - the revocation itself matters more
        logger.warning(
            "Ending push subscriptions of revocation %s failed: %s", revocation.pk, error
        )
        return
    Revocation.objects.filter(pk=revocation.pk).update(push_subscribed=[])
    revocation.push_subscribed = []


def revocations_attempt_inline(revocations: list[Revocation]) -> list[bool | None]:
    """Each revocation tried once while the request's budget lasts, every request of them over
    when it ends; the rest wait for the background. Results in the same order (None: not
    confirmed yet)."""
    deadline = time.monotonic() + INLINE_BUDGET
    results: list[bool | None] = []
    for revocation in revocations:
        if time.monotonic() >= deadline:
            results.append(None)
            continue
        results.append(revocation_attempt(revocation=revocation, inline=True, deadline=deadline))
    return results


def revocations_attempt_due(*, limit: int = 50) -> dict[str, int]:
    """The background pass: pending revocations whose time has come. Counts by outcome, and
    those left for the next pass when the task's time budget (from Q_TIMEOUT) ran out."""
    due = Revocation.objects.filter(
        status=Revocation.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at")[:limit]
    # Slow providers one after another must not outlive Q_TIMEOUT: killed mid-request, a
    # revocation would be counted as tried without its answer being recorded.
    started = time.monotonic()
    deadline, stop_by = started + run_time_budget(), started + run_time_limit()
    counts = {"revoked": 0, "gave_up": 0, "later": 0, "left_for_next_run": 0}
    for revocation in due:
        if time.monotonic() > deadline:
            counts["left_for_next_run"] += 1
            continue
        outcome = revocation_attempt(revocation=revocation, deadline=stop_by)
        counts["revoked" if outcome else "later" if outcome is None else "gave_up"] += 1
    return counts


def _claim(revocation: Revocation) -> Revocation | None:
    """The revocation with one more attempt counted and its next try pushed back, so that two
    workers do not ask at once; None when it is no longer pending."""
    with transaction.atomic():
        locked = Revocation.objects.select_for_update().filter(pk=revocation.pk).first()
        if locked is None or locked.status != Revocation.Status.PENDING:
            return None
        locked.attempts += 1
        locked.next_attempt_at = timezone.now() + min(
            RETRY_CAP, RETRY_BASE * 2 ** (locked.attempts - 1)
        )
        locked.save(update_fields=["attempts", "next_attempt_at"])
    return locked


def _finish(revocation: Revocation, *, done: bool, error: str = "") -> bool:
    spec = PROVIDERS.get(revocation.provider)
    owner = spec.account_owner if spec else revocation.provider
    with transaction.atomic():
        Revocation.objects.filter(pk=revocation.pk).update(
            status=Revocation.Status.DONE if done else Revocation.Status.FAILED,
            access_token="",
            refresh_token="",
            last_error=error[:2000],
            finished_at=timezone.now(),
        )
        if revocation.user_id is not None:
            message = (
                f"{owner} confirmed that Tendon's access is revoked."
                if done
                else f"{owner} did not confirm the revocation, so Tendon deleted the tokens "
                f"anyway. You can also remove Tendon in your {owner} account settings."
            )
            kind = ConnectionEvent.Kind.REVOKED if done else ConnectionEvent.Kind.REVOCATION_FAILED
            for connection in _connections_of(revocation):
                event_record(connection=connection, kind=kind, message=message)
    logger.info(
        "Revocation %s at %s %s", revocation.pk, revocation.provider, "done" if done else "failed"
    )
    return done


def _connections_of(revocation: Revocation):
    return Connection.objects.filter(
        Q(user_id=revocation.user_id)
        & Q(provider=revocation.provider)
        & Q(account_uid=revocation.account_uid)
    )
