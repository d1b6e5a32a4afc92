"""Push hints into work (DESIGN.md rule 5: push is a hint; polling is the safety net).

A hint for a live connection makes it due now and claims it at once, through the same claim the
dispatcher uses (rule 4: the queue is a trigger, the row is the truth). While a run holds the
claim, hints coalesce: a hint that comes while the run is still queued is covered by it (the
run reads the row when it starts); one that comes while it runs leaves `hint_pending_at`, which
the run turns into one immediate follow-up when it finishes. So a burst of notifications gives
at most one run in progress and one queued behind it.

Verified hints (signed by the provider) may also ask for an interval to be read again: data
older than the import's overlap, or data deleted at the provider (connections/services/reread.py).
Unsigned hints, which anyone could send, start no import of a connection imported moments ago
(one follow-up once the gap is up, through `hint_pending_at` or `next_run_at`) and only so many
of a provider's imports across its accounts (connections/services/push_limits.py). Any hint
that names a record Tendon does not hold may have the next import ask the provider for it,
where the provider reads records by key (`records_asked`). An unlink notice makes Tendon check
the grant (connections/services/grant_checks.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun, WebhookHint
from connections.providers import PROVIDERS, ProviderSpec
from connections.providers.push import DELETE, UNLINKED, Delivery, Hint
from connections.services.grant_checks import credential_grant_check_soon
from connections.services.push_limits import unsigned_run_allowed, unsigned_run_start
from connections.services.scheduling import connection_claim_now
from records.selectors import record_span

logger = logging.getLogger(__name__)

REREAD_MAX_AGE = timedelta(days=30)  # a hint never reaches further back than this
MAX_ASKED = 10  # records a connection's next import asks for by key, at most
LOG_RETENTION = timedelta(days=7)
Span = tuple[datetime, datetime]  # when a record happened: start, end

ACCEPTED, IGNORED, REFUSED = (
    WebhookHint.Outcome.ACCEPTED,
    WebhookHint.Outcome.IGNORED,
    WebhookHint.Outcome.REFUSED,
)


def push_receive(*, provider_id: str, delivery: Delivery) -> list[WebhookHint]:
    """Applies the hints of an accepted push, logs what each did; a refused push only logs.

    Returns the log rows. Logs at INFO without personal data (no provider account ids).
    """
    if delivery.refused:
        logger.info("Push from %s refused: %s", provider_id, delivery.refused)
        rows = [WebhookHint(provider=provider_id, outcome=REFUSED, reason=delivery.refused)]
        WebhookHint.objects.bulk_create(rows)
        return rows
    with transaction.atomic():  # the hints' effects and their log rows in one round
        rows = []
        for hint in delivery.hints:
            rows.extend(_apply(provider_id, hint, verified=delivery.verified))
        WebhookHint.objects.bulk_create(rows)
    return rows


def _row(provider_id: str, hint: Hint, outcome: str, reason: str, connection_id=None):
    if outcome == IGNORED:
        logger.info("Push from %s (%s) ignored: %s", provider_id, hint.data_type, reason)
    return WebhookHint(
        provider=provider_id,
        outcome=outcome,
        reason=reason,
        data_type=hint.data_type,
        operation=hint.operation,
        connection_id=connection_id,
    )


def _apply(provider_id: str, hint: Hint, *, verified: bool) -> list[WebhookHint]:
    if hint.operation == UNLINKED:
        return [_unlinked(provider_id, hint)]
    if not hint.feeds:
        return [_row(provider_id, hint, IGNORED, "no_feed")]
    with transaction.atomic(savepoint=False):  # push_receive's transaction, or its own
        # One query finds and locks the rows: a hint and a run's start never interleave on one.
        connections = list(
            Connection.objects.select_for_update(of=("self",))
            .filter(provider=provider_id, account_uid=hint.account_uid, feed__in=hint.feeds)
            .select_related("credential")
            .order_by("pk")
        )
        live = [
            c
            for c in connections
            if c.enabled and c.credential and c.credential.status == Credential.Status.ACTIVE
        ]
        if not live:
            reason = "not_enabled" if connections else "unknown_account"
            return [_row(provider_id, hint, IGNORED, reason)]
        spec = PROVIDERS[provider_id]
        rows = []
        for connection in live:
            if spec.missing_permissions(connection.feed, connection.credential.scopes):
                rows.append(_row(provider_id, hint, IGNORED, "permission_missing", connection.pk))
                continue
            reason = _hint(connection, hint, verified=verified, spec=spec)
            outcome = IGNORED if reason == "unsigned_cap" else ACCEPTED
            rows.append(_row(provider_id, hint, outcome, reason, connection.pk))
    return rows


def _hint(locked: Connection, hint: Hint, *, verified: bool, spec: ProviderSpec) -> str:
    """What a hint did to a live connection whose row we hold locked: queued (a run is claimed
    and enqueued), coalesced (a run holds the claim), paused or backing_off (the provider asked
    us to wait, or is failing: the hint waits for that run), due (the dispatcher takes it),
    deferred (unsigned, and the connection was imported moments ago: one import once the gap
    is up) or unsigned_cap (unsigned hints started enough imports of the provider for now:
    nothing changes, polling finds the data). Limits on unsigned hints: push_limits.py."""
    now = timezone.now()  # read under the lock: after any run start that held it
    start_at = now if verified else unsigned_run_start(connection=locked, now=now)
    claimed = bool(locked.claimed_until and locked.claimed_until > now)
    waiting = "" if claimed else _waiting(locked, now=now)
    if claimed:  # a run under way hands over to one follow-up when it finishes
        pending = locked.hint_pending_at
        sooner = _running(locked) and (pending is None or start_at < pending)
    else:
        sooner = not waiting and (
            start_at <= now or locked.next_run_at is None or start_at < locked.next_run_at
        )
    span = _span(locked, hint)
    asking = span is None and _asks(locked, hint, spec)
    if (sooner or asking) and not verified and not unsigned_run_allowed(spec=spec, now=now):
        return "unsigned_cap"
    fields = _noted(locked, hint, verified=verified, now=now, span=span)
    if asking:  # the next import asks the provider for it (reread.py: connection_read_asked)
        locked.records_asked = [*locked.records_asked, hint.record_key]
        fields.append("records_asked")
    if claimed or waiting or start_at > now:
        if sooner:
            field = "hint_pending_at" if claimed else "next_run_at"
            setattr(locked, field, start_at)
            fields.append(field)
        if fields:
            locked.save(update_fields=fields)
        return "coalesced" if claimed else waiting or "deferred"
    locked.next_run_at = now
    locked.hint_pending_at = None
    locked.save(update_fields=[*fields, "next_run_at", "hint_pending_at"])
    run = connection_claim_now(connection=locked, now=now)
    return "queued" if run else "due"


def _waiting(connection: Connection, *, now: datetime) -> str:
    """Why a connection waits whatever a hint says ('paused', 'backing_off'), or ''."""
    if connection.paused_until and connection.paused_until > now:
        return "paused"
    if connection.consecutive_failures and connection.next_run_at and connection.next_run_at > now:
        return "backing_off"
    return ""


def _noted(
    connection: Connection, hint: Hint, *, verified: bool, now: datetime, span: Span | None
) -> list[str]:
    """What a hint tells the connection besides when to run: a verified one that the provider
    pushes and which interval to read again; an unsigned one only which of Tendon's own records
    to read again (`span`: the interval of the record the hint names, when Tendon holds it).
    Safe without a signature: that interval comes from Tendon's data, and whatever is stored
    or deleted from the provider's own answer, never from the push. Returns the fields changed."""
    fields = []
    if verified:
        connection.last_push_at = now
        fields.append("last_push_at")
    else:  # never an interval the push itself gives
        hint = replace(hint, start=span[0], end=span[1]) if span else None
    if hint and _widen(connection, hint, now=now, span=span):
        fields += ["reread_start", "reread_end", "reread_deletes"]
    return fields


def _span(connection: Connection, hint: Hint) -> Span | None:
    """When the record a hint names happened, if the hint names one and Tendon holds it."""
    if not hint.record_key:
        return None
    return record_span(
        user_id=connection.user_id,
        provider=connection.provider,
        account_uid=connection.account_uid,
        key=hint.record_key,
    )


def _asks(connection: Connection, hint: Hint, spec: ProviderSpec) -> bool:
    """Whether the next import should ask the provider for the record a hint names (one Tendon
    does not hold, in a feed whose records the provider reads by key), and may: at most
    MAX_ASKED wait at once."""
    return (
        bool(hint.record_key)
        and hint.operation != DELETE
        and connection.feed in spec.records_by_key
        and hint.record_key not in connection.records_asked
        and len(connection.records_asked) < MAX_ASKED
    )


def _running(connection: Connection) -> bool:
    """Whether the run holding the claim has started (a queued one will read the row anyway)."""
    latest = (
        ImportRun.objects.filter(connection_id=connection.pk)
        .order_by("-queued_at", "-id")
        .values_list("claim_token", "outcome")
        .first()
    )
    return latest is None or latest != (connection.claim_token, ImportRun.Outcome.QUEUED)


def _widen(connection: Connection, hint: Hint, *, now: datetime, span: Span | None = None) -> bool:
    """Asks the next run to read the hinted interval again when the ordinary import would not
    cover it (older than the cursor's overlap) or when data was deleted; True if it changed.
    A hint that names a record rather than an interval is placed by Tendon's copy (`span`)."""
    from connections.services.imports import OVERLAP  # imports calls this module

    hinted_start, hinted_end = hint.start, hint.end
    if hinted_start is None and span is not None:
        hinted_start, hinted_end = span
    if hinted_start is None:
        return False
    start = max(hinted_start, now - REREAD_MAX_AGE)
    end = min(hinted_end or hinted_start, now)
    if end < start:
        return False
    deleting = hint.operation == DELETE
    if not deleting and (connection.cursor is None or start >= connection.cursor - OVERLAP):
        return False
    before = (connection.reread_start, connection.reread_end, connection.reread_deletes)
    connection.reread_start = min(start, connection.reread_start or start)
    connection.reread_end = max(end, connection.reread_end or end)
    connection.reread_deletes = connection.reread_deletes or deleting
    return before != (connection.reread_start, connection.reread_end, connection.reread_deletes)


def connection_after_run(*, run: ImportRun) -> ImportRun | None:
    """The immediate follow-up of a run during which a hint arrived, or None.

    A run that did not finish well (failed, paused, partial) leaves the follow-up to its own
    schedule: the hint's interval stays in the row for the next run.
    """
    with transaction.atomic():
        locked = (
            Connection.objects.select_for_update(of=("self",)).filter(pk=run.connection_id).first()
        )
        if locked is None or locked.hint_pending_at is None:
            return None  # deleted with its account meanwhile, or nothing came during the run
        now = timezone.now()
        follow_at, locked.hint_pending_at = locked.hint_pending_at, None
        follow = (
            run.outcome == ImportRun.Outcome.OK
            and locked.enabled
            and not (locked.claimed_until and locked.claimed_until > now)
            and not (locked.paused_until and locked.paused_until > now)
        )
        if not follow:
            locked.save(update_fields=["hint_pending_at"])
            return None
        locked.next_run_at = max(now, follow_at)  # an unsigned hint's follow-up: after the gap
        locked.save(update_fields=["hint_pending_at", "next_run_at"])
        if follow_at > now:
            return None  # the dispatcher starts it then
        return connection_claim_now(connection=locked, now=now)


def _unlinked(provider_id: str, hint: Hint) -> WebhookHint:
    """The person says they unlinked Tendon at the provider: check the grant (unverified, so
    only the provider's own answer to a refresh may flag it: grant_checks.py)."""
    arranged = credential_grant_check_soon(provider_id=provider_id, account_uid=hint.account_uid)
    if arranged is None:
        return _row(provider_id, hint, IGNORED, "unknown_account")
    reason, connection_id = arranged
    return _row(provider_id, hint, ACCEPTED, reason, connection_id)


def webhook_hints_prune(*, now: datetime | None = None) -> int:
    """Deletes push log rows older than a week; returns how many."""
    cutoff = (now or timezone.now()) - LOG_RETENTION
    deleted, _ = WebhookHint.objects.filter(received_at__lt=cutoff).delete()
    return deleted
