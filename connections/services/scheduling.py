"""The schedule lives in the database (DESIGN.md rule 4); the queue only carries triggers.

A connection is due when its next_run_at has passed and nobody holds a live claim on it. The
dispatcher claims due connections in batches with one indexed query, writes an ImportRun per
claim and enqueues one task per run after commit. A task lost with a worker is dispatched again
when its claim lapses; a task delivered twice finds its run already done.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun
from connections.providers import PROVIDERS
from connections.services.pacing import provider_waits_until

RUN_TASK = "connections.tasks.run_import"
BATCH_TASK = "connections.tasks.run_imports"
BATCH = 500
LOST = "The task was lost (worker stopped or queue dropped it); dispatched again."


def claim_lease() -> timedelta:
    """How long a claim holds: the task timeout (after which the task is dead) plus a grace."""
    return timedelta(seconds=settings.Q_CLUSTER["timeout"] + 15)


def due_connections(*, now: datetime):
    """Enabled connections with a usable grant whose time has come and whose claim has lapsed."""
    return (
        Connection.objects.filter(
            enabled=True,
            next_run_at__lte=now,
            credential__status=Credential.Status.ACTIVE,
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_run_at")
    )


def imports_dispatch_due(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Claims up to `limit` due connections and enqueues their imports; returns the run ids.

    Respects each provider's cap on imports running at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        chosen = _due_within_caps(now=now, lookahead=limit, limit=limit)
        runs = _claim(chosen, now=now, batched=True)
    return [run.pk for run in runs]


NEXT_LOOKAHEAD = 20  # due connections looked at to find those whose provider has room
CLAIM_CAP_SHARE = 5  # a thread's claim takes at most a fifth of a provider's cap (at least one)


def import_claim_next(*, now: datetime | None = None) -> ImportRun | None:
    """A run for the caller to execute at once; None when there is none (import_claim_some)."""
    runs = import_claim_some(limit=1, now=now)
    return runs[0] if runs else None


def import_claim_some(*, limit: int, now: datetime | None = None) -> list[ImportRun]:
    """Up to `limit` runs for the caller to execute, claimed in one transaction; an empty list
    when there are none. A worker's idle threads take their next imports this way
    (services/batches.py).

    A run the dispatcher queued that no worker has started comes first, alone, for the caller
    to start at once (its task waits behind busy workers, and its claim counts against its
    provider's cap meanwhile: a "Sync now" starts within moments). Else runs of the most
    overdue connections whose providers have room under their caps, claimed as the dispatcher
    claims (nothing is enqueued) and started as they are claimed."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = _take_waiting(now=now)
        if waiting is not None:
            return [waiting]
        chosen = _due_within_caps(
            now=now, lookahead=NEXT_LOOKAHEAD, limit=limit, cap_share=CLAIM_CAP_SHARE
        )
        if not chosen:
            return []
        # Row-locked by the choice: read whole for the imports, which start as claimed.
        whole = Connection.objects.select_related("credential", "user").in_bulk(
            [c.pk for c in chosen]
        )
        return _claim([whole[c.pk] for c in chosen], now=now, enqueue=False)


def _take_waiting(*, now: datetime) -> ImportRun | None:
    """The longest-waiting queued run that still holds its connection's claim, marked as taken
    (started_at) so no other thread takes it too; its task, when a worker gets to it, leaves it
    alone. Call inside a transaction."""
    run = (
        ImportRun.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            outcome=ImportRun.Outcome.QUEUED,
            started_at__isnull=True,
            connection__claim_token=F("claim_token"),
            connection__claimed_until__gt=now,
        )
        .order_by("queued_at")
        .first()
    )
    if run is not None:
        run.started_at = now
        run.save(update_fields=["started_at"])
    return run


def _due_within_caps(
    *, now: datetime, lookahead: int, limit: int, cap_share: int | None = None
) -> list[Connection]:
    """Up to `limit` due connections, row-locked, within their providers' caps (a claim in
    any process counts); call inside a transaction. With `cap_share`, at most that fraction of
    a provider's cap (at least one) in this one claim: claimers counting at the same moment
    can each overshoot a cap by what they take, so a thread's claim takes a small share.

    The most overdue come first, but a provider with no room left never hides the others: when
    the `lookahead` most overdue include connections whose provider is full (at its cap,
    paused, resting or gone), the next look leaves that provider out, so a slow provider's
    backlog cannot keep another provider's due connections waiting."""
    chosen: list[Connection] = []
    full: set[str] = set()  # providers with no room left in this claim
    running: dict[str, int] | None = None
    taken: dict[str, int] = {}
    checked: set[str] = set()
    while len(chosen) < limit:
        candidates = list(
            due_connections(now=now)
            .exclude(provider__in=full)
            .exclude(pk__in=[c.pk for c in chosen])
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "provider", "claimed_until")[:lookahead]
        )
        if not candidates:
            break
        if running is None:
            running = dict(
                Connection.objects.filter(claimed_until__isnull=False, claimed_until__gt=now)
                .values_list("provider")
                .annotate(n=Count("id"))
                .values_list("provider", "n")
            )
        # A provider gone from the registry, paused as a whole or resting waits (a cache read each).
        for provider in {c.provider for c in candidates} - checked:
            checked.add(provider)
            if provider not in PROVIDERS or provider_waits_until(provider):
                full.add(provider)
        filled = len(full)
        for connection in candidates:
            provider = connection.provider
            if provider not in full and not _room(provider, running, taken, cap_share):
                full.add(provider)
            if provider in full:
                continue
            running[provider] = running.get(provider, 0) + 1
            taken[provider] = taken.get(provider, 0) + 1
            chosen.append(connection)
            if len(chosen) >= limit:
                break
        if len(candidates) < lookahead or len(full) == filled:
            break  # every due connection seen, or none left out: a further look finds no more
    return chosen


def _room(provider: str, running: dict, taken: dict, cap_share: int | None) -> bool:
    """Whether one more claim of the provider fits its cap (and this claim's share of it)."""
    cap = PROVIDERS[provider].max_concurrent_imports
    if running.get(provider, 0) >= cap:
        return False
    return not (cap_share and taken.get(provider, 0) >= max(1, cap // cap_share))


def _claim(
    connections: list[Connection], *, now: datetime, batched: bool = False, enqueue: bool = True
) -> list[ImportRun]:
    if not connections:
        return []
    # Runs still open on these connections were lost with a worker: say so, then start afresh.
    # Only a claim that lapsed can leave one (a run finishes before it gives its claim up).
    lapsed = [c.pk for c in connections if c.claimed_until is not None]
    if lapsed:
        ImportRun.objects.filter(
            connection_id__in=lapsed,
            outcome__in=[ImportRun.Outcome.QUEUED, ImportRun.Outcome.RUNNING],
        ).update(
            outcome=ImportRun.Outcome.FAILED,
            error_code="lost",
            error_message=LOST,
            finished_at=now,
        )
    until = now + claim_lease()
    runs = []
    for connection in connections:
        connection.claim_token = uuid.uuid4()
        connection.claimed_until = until
        if enqueue:
            runs.append(ImportRun(connection=connection, claim_token=connection.claim_token))
        else:  # the caller runs it at once: it starts here, so no idle thread takes it too
            connection.last_attempt_at = now
            runs.append(
                ImportRun(
                    connection=connection,
                    claim_token=connection.claim_token,
                    outcome=ImportRun.Outcome.RUNNING,
                    queued_at=now,
                    started_at=now,
                )
            )
    if len(connections) == 1:
        (connection,) = connections
        started = {} if enqueue else {"last_attempt_at": now}
        Connection.objects.filter(pk=connection.pk).update(
            claim_token=connection.claim_token, claimed_until=until, **started
        )
    else:
        fields = ["claim_token", "claimed_until"] + ([] if enqueue else ["last_attempt_at"])
        Connection.objects.bulk_update(connections, fields)
    ImportRun.objects.bulk_create(runs)
    if enqueue and batched:
        groups = _batches(runs)
        transaction.on_commit(lambda: _enqueue_batches(groups))
    elif enqueue:
        run_ids = [run.pk for run in runs]
        transaction.on_commit(lambda: _enqueue(run_ids))
    return runs  # not enqueued: the caller runs them at once


def _batches(runs: list[ImportRun]) -> list[list[int]]:
    """The run ids in groups of at most IMPORT_CONCURRENCY, one provider to a group: a slow
    provider then keeps only its own groups' workers waiting."""
    size = max(1, settings.IMPORT_CONCURRENCY)
    by_provider: dict[str, list[int]] = {}
    for run in runs:
        by_provider.setdefault(run.connection.provider, []).append(run.pk)
    return [
        ids[start : start + size]
        for ids in by_provider.values()
        for start in range(0, len(ids), size)
    ]


def _enqueue(run_ids: list[int]) -> None:
    from django_q.tasks import async_task

    for run_id in run_ids:
        async_task(RUN_TASK, run_id, group="imports")


def _enqueue_batches(groups: list[list[int]]) -> None:
    from django_q.tasks import async_task

    for run_ids in groups:
        async_task(BATCH_TASK, run_ids, group="imports")


class ImportAlreadyRunning(Exception):
    pass


class SyncTooSoon(Exception):
    """The last import of this connection was queued moments ago; try again at retry_at."""

    def __init__(self, *, retry_at: datetime) -> None:
        super().__init__(f"try again at {retry_at:%H:%M:%S}")
        self.retry_at = retry_at


def connection_import_now(
    *, connection: Connection, actor=None, cooldown: timedelta | None = None
) -> ImportRun:
    """A run of connection enqueued at once; ImportAlreadyRunning if one holds the claim,
    SyncTooSoon if a run was queued less than `cooldown` ago (nothing is written then)."""
    from connections.models import ConnectionEvent
    from connections.services.events import event_record

    now = timezone.now()
    with transaction.atomic():
        locked = Connection.objects.select_for_update(of=("self",)).get(pk=connection.pk)
        if locked.claimed_until and locked.claimed_until > now:
            raise ImportAlreadyRunning(str(connection.pk))
        if cooldown is not None:
            last = (
                ImportRun.objects.filter(connection=locked)
                .order_by("-queued_at")
                .values_list("queued_at", flat=True)
                .first()
            )
            if last is not None and last + cooldown > now:
                raise SyncTooSoon(retry_at=last + cooldown)
        locked.next_run_at = now
        locked.save(update_fields=["next_run_at"])
        (run,) = _claim([locked], now=now)
        if actor is not None:
            event_record(
                connection=locked,
                kind=ConnectionEvent.Kind.IMPORT_REQUESTED,
                actor=actor,
                message="Queued now instead of at the next scheduled time.",
            )
    return run


PUSH_RECENT = timedelta(hours=24)  # a verified push this recent means the provider pushes


def import_interval(*, connection: Connection, now: datetime | None = None) -> timedelta:
    """How long until a connection's next regular import: hours while its provider pushes
    (polling is then only the safety net, DESIGN.md rule 5), IMPORT_INTERVAL_MINUTES otherwise."""
    now = now or timezone.now()
    if connection.last_push_at and connection.last_push_at > now - PUSH_RECENT:
        return timedelta(hours=settings.PUSH_RECONCILE_HOURS)
    return timedelta(minutes=settings.IMPORT_INTERVAL_MINUTES)


def connection_claim_now(*, connection: Connection, now: datetime) -> ImportRun | None:
    """A run of connection, claimed and enqueued after commit, as the dispatcher would claim it;
    None when its provider's cap on imports at once is reached (the dispatcher takes it next).

    Call inside a transaction holding the connection's row lock, with no live claim on it.
    """
    spec = PROVIDERS.get(connection.provider)
    cap = spec.max_concurrent_imports if spec else 0
    if provider_waits_until(connection.provider):
        return None
    running = Connection.objects.filter(provider=connection.provider, claimed_until__gt=now)
    if running.count() >= cap:
        return None
    (run,) = _claim([connection], now=now)
    return run


DISPATCH_TASK = "connections.tasks.dispatch_imports"


def imports_dispatch_soon() -> None:
    """The dispatcher run once more as soon as this transaction commits, instead of at its next
    minute: a person who just connected or switched a feed on sees the import start within
    seconds. Claims stay the dispatcher's own (caps, pauses, skip-locked), so a second
    dispatcher at the same moment changes nothing."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(DISPATCH_TASK, group="dispatch"))
