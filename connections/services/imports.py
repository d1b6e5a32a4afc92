"""Running one import: incremental, idempotent, resumable (DESIGN.md rules 2 and 3).

From the cursor minus an overlap window (late data), window by window and page by page; each
page's records are upserted in the same transaction that moves the connection's position, so a
run killed after page k resumes at page k+1 with no duplicate and no gap.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from connections.messages import run_problem
from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers import PROVIDERS
from connections.providers.base import (
    FeedPage,
    NoAnswer,
    ProviderError,
    RateLimited,
    ScopeMissing,
)
from connections.services.budgets import run_time_budget
from connections.services.clients import provider_client
from connections.services.events import event_record
from connections.services.pacing import (
    Paused,
    app_budget_check,
    app_budget_spend,
    provider_no_answer,
    provider_pause,
)
from connections.services.push import connection_after_run
from connections.services.reads import feed_page, record_page
from connections.services.reread import connection_read_asked, connection_reread
from connections.services.scheduling import import_interval
from connections.services.set_aside import set_aside_record
from connections.services.tokens import (
    NeedsReauthorization,
)
from records.services.upserts import records_upsert

logger = logging.getLogger(__name__)

OVERLAP = timedelta(hours=48)  # re-read this much before the cursor: late data, time zones
WINDOW = timedelta(days=7)  # one window of the provider's time range at a time
MAX_PAGES_PER_WINDOW = 200  # a provider that never stops paging is a provider bug
PARTIAL_PAUSE = timedelta(seconds=60)  # between the runs of a long import, so others get a turn
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=6)
BUDGET_MARGIN = 5  # stop this many calls before a provider's announced budget runs out
JUST_READ = timedelta(seconds=5)  # a credential read this recently serves its token as read


@dataclass
class Progress:
    pages: int = 0
    finished: bool = False


def import_run_execute(
    *, run: ImportRun, deadline: float | None = None, claimed_here: bool = False
) -> ImportRun:
    """The run, executed and finished; a run delivered twice or superseded does nothing.
    `deadline` (time.monotonic()) ends it sooner than its own time budget would (a run started
    late in a task that holds several). `claimed_here`: the caller claimed and started the run
    moments ago with its connection read whole under the claim's lock (import_claim_next), so
    there is nothing to check before it imports.

    Never raises for a provider's failure: the run's outcome and the connection say what happened.
    """
    started = (run, run.connection) if claimed_here else _start(run)
    if started is None:
        return ImportRun.objects.get(pk=run.pk)
    run, connection = started
    progress = Progress()
    try:
        skip = _reason_to_skip(connection)
        if skip:
            _stopped(run, connection, ImportRun.Outcome.SKIPPED, *skip)
            return run
        _import(run, connection, progress, deadline=deadline)
    except NeedsReauthorization as error:
        hinted = _stopped(run, connection, ImportRun.Outcome.FAILED, "needs_reauth", str(error))
    except ScopeMissing as error:
        _permission_missing(connection)
        hinted = _stopped(run, connection, ImportRun.Outcome.FAILED, error.code, str(error))
    except (RateLimited, Paused) as error:
        resume_at = error.retry_at if isinstance(error, RateLimited) else error.resume_at
        if error.app_wide:  # the whole application's allowance: every connection waits
            provider_pause(provider_id=connection.provider, until=resume_at)
        hinted = _rate_limited(
            run, connection, resume_at=resume_at, message=str(error), progress=progress
        )
    except ProviderError as error:
        if isinstance(error, NoAnswer):  # a few in a minute and the provider rests
            provider_no_answer(connection.provider)
        hinted = _failed(run, connection, error, retry_at=error.retry_at)
    except Exception as error:  # noqa: BLE001 - a bug must fail the run, never the worker
        logger.exception("Import run %s failed unexpectedly", run.pk)
        hinted = _failed(run, connection, error, retry_at=None, code="internal_error")
    else:
        outcome = ImportRun.Outcome.OK if progress.finished else ImportRun.Outcome.PARTIAL
        hinted = _succeeded(run, connection, outcome)
    if hinted:  # a push that came during the run gets its follow-up now
        connection_after_run(run=run)
    return run


def _start(run: ImportRun) -> tuple[ImportRun, Connection] | None:
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update(of=("self",))
            .select_related("credential", "user")
            .get(pk=run.connection_id)
        )
        now = timezone.now()
        # Queued and still holding the claim: it starts (one statement, the row locked by it).
        started = ImportRun.objects.filter(
            pk=run.pk, outcome=ImportRun.Outcome.QUEUED, claim_token=connection.claim_token
        ).update(outcome=ImportRun.Outcome.RUNNING, started_at=now)
        if not started:
            run = ImportRun.objects.select_for_update().get(pk=run.pk)
            if run.outcome == ImportRun.Outcome.QUEUED:
                run.outcome = ImportRun.Outcome.SKIPPED
                run.error_code = "superseded"
                run.error_message = "Another run of this connection was dispatched after this one."
                run.finished_at = now
                run.save()
            return None  # superseded, or delivered twice: the first delivery did the work
        run.outcome, run.started_at = ImportRun.Outcome.RUNNING, now
        connection.last_attempt_at = now
        connection.save(update_fields=["last_attempt_at"])
    return run, connection


def _reason_to_skip(connection: Connection) -> tuple[str, str] | None:
    credential = connection.credential
    if not connection.enabled:
        return "disabled", "The connection is switched off."
    if credential is None or credential.status != Credential.Status.ACTIVE:
        return "needs_reauth", "The connection needs re-authorization."
    spec = PROVIDERS.get(connection.provider)
    if spec is None:
        return "unavailable", "This provider is not available on this Tendon."
    missing = spec.missing_permissions(connection.feed, credential.scopes)
    if missing:
        return "scope_missing", f"Permission missing: {', '.join(p.label for p in missing)}."
    return None


def _import(
    run: ImportRun, connection: Connection, progress: Progress, *, deadline: float | None
) -> None:
    spec = PROVIDERS[connection.provider]
    client = provider_client(provider_id=connection.provider)
    deadline = min(time.monotonic() + run_time_budget(), deadline or float("inf"))
    client.deadline = deadline  # paging loops inside a client stop there too
    # The credential was read as the run started; a re-read's pages count calls since.
    counts_fresh = connection.reread_start is None
    # Its token serves the first page as read only when it was read moments ago.
    token_fresh = (
        counts_fresh
        and run.started_at is not None
        and timezone.now() - run.started_at <= JUST_READ
    )
    connection_reread(run=run, connection=connection, client=client, fetch=feed_page)
    run_end = timezone.now()
    first_window = True
    tokens_seen: set[str] = set()
    while True:
        if connection.chunk_start is None:
            if connection.cursor is None:
                begin = run_end - timedelta(days=settings.IMPORT_BACKFILL_DAYS)
            elif first_window:
                begin = connection.cursor - OVERLAP
            else:
                begin = connection.cursor
            if begin >= run_end:
                break
            connection.chunk_start, connection.chunk_end = begin, min(begin + WINDOW, run_end)
            connection.chunk_token = ""
            tokens_seen = set()
        if run.reads_from is None:  # saved with the first page: the progress a person sees
            run.reads_from = connection.chunk_start
        first_window = False
        _check_user_budget(spec, connection.credential, fresh=counts_fresh)
        app_budget_check(spec)
        page = _fetch(client, connection, just_read=token_fresh)
        page = _bounded(page, connection, tokens_seen)
        counts_fresh = token_fresh = False
        app_budget_spend(spec, page.api_calls)
        _store_page(run, connection, page)
        progress.pages += 1
        budget = client.budget
        if budget is not None and budget.remaining <= BUDGET_MARGIN:
            raise Paused(
                f"{spec.account_owner}'s rate limit is nearly used up.",
                resume_at=budget.resets_at,
                app_wide=budget.app_wide,
            )
        if connection.chunk_start is None and connection.cursor >= run_end:
            break
        if time.monotonic() > deadline:
            return  # partial: the next run carries on from here
    connection_read_asked(run=run, connection=connection, client=client, fetch=record_page)
    progress.finished = True


def _bounded(page: FeedPage, connection: Connection, tokens_seen: set[str]) -> FeedPage:
    """The page, with its next token dropped when following it would loop: the same token
    again, or more pages in one window than any real provider sends. The window then ends
    with what was read; the person's imports go on."""
    token = page.next_token
    if token is None:
        return page
    tokens_seen.add(connection.chunk_token)
    if token in tokens_seen or len(tokens_seen) >= MAX_PAGES_PER_WINDOW:
        logger.warning(
            "Connection %s: %s kept paging (repeated token or %s pages); window ended there",
            connection.pk,
            connection.provider,
            len(tokens_seen),
        )
        return replace(page, next_token=None)
    return page


def _fetch(client, connection: Connection, *, just_read: bool) -> FeedPage:
    """A page of the current window."""
    return feed_page(
        client,
        connection,
        start=connection.chunk_start,
        end=connection.chunk_end,
        token=connection.chunk_token or None,
        just_read=just_read,
    )


def _store_page(run: ImportRun, connection: Connection, page: FeedPage) -> None:
    """The page's records and the connection's new position, in one transaction."""
    with transaction.atomic():
        result = records_upsert(
            user_id=connection.user_id,
            provider=connection.provider,
            account_uid=connection.account_uid,
            records=page.records,
            unreadable=page.unreadable,
        )
        if page.next_token:
            connection.chunk_token = page.next_token
        else:
            connection.cursor = connection.chunk_end
            connection.chunk_start = connection.chunk_end = None
            connection.chunk_token = ""
        connection.save(update_fields=["cursor", "chunk_start", "chunk_end", "chunk_token"])
        run.api_calls += page.api_calls
        run.created_count += result.created
        run.updated_count += result.updated
        if result.set_aside:
            run.skipped_count += set_aside_record(
                connection=connection, run=run, items=result.set_aside
            )
        run.save(
            update_fields=[
                "api_calls",
                "created_count",
                "updated_count",
                "skipped_count",
                "reads_from",
            ]
        )
        _count_calls(connection.credential_id, PROVIDERS[connection.provider], page.api_calls)


def _count_calls(credential_id: int, spec, calls: int) -> None:
    """Counts a page's calls against the account's budget window, starting a new window when
    the last one has ended (one statement: the row's old values decide)."""
    now = timezone.now()
    added = F("calls_in_window") + calls
    counted = {"calls_in_window": added}
    if spec.user_call_budget is not None:
        period = spec.user_call_budget[1]
        lapsed = Q(calls_window_start__isnull=True) | Q(calls_window_start__lte=now - period)
        counted = {
            "calls_window_start": Case(
                When(lapsed, then=Value(now)), default=F("calls_window_start")
            ),
            "calls_in_window": Case(When(lapsed, then=Value(calls)), default=added),
        }
    Credential.objects.filter(pk=credential_id).update(**counted, last_used_at=now)


def _check_user_budget(spec, credential: Credential, *, fresh: bool) -> None:
    """Stop before the provider's per-user budget runs out; resume when its window resets.
    `fresh`: the credential's counts were read moments ago (as the run started)."""
    if spec.user_call_budget is None:
        return
    limit, period = spec.user_call_budget
    if not fresh:
        credential.refresh_from_db(fields=["calls_window_start", "calls_in_window"])
    start = credential.calls_window_start
    if start is None or start + period <= timezone.now():
        return  # a new window: the page's calls start it (_count_calls)
    if credential.calls_in_window + BUDGET_MARGIN >= limit:
        raise Paused(
            f"{spec.account_owner}'s hourly budget for this account is used up.",
            resume_at=credential.calls_window_start + period,
        )


def _jittered(delta: timedelta, low: float = 0.9, high: float = 1.1) -> timedelta:
    return delta * random.uniform(low, high)  # noqa: S311 - spreading load, not crypto


def _release(connection: Connection, run: ImportRun, **fields) -> bool:
    """Saves the connection's outcome and gives up the claim, if it is still this run's;
    True when a hint came while the run held the claim (connection_after_run takes it)."""
    row = Connection.objects.filter(pk=connection.pk)
    mine = row.filter(claim_token=run.claim_token)
    # Usually the claim is still ours and no hint came: one statement.
    if mine.filter(hint_pending_at__isnull=True).update(
        **fields, claim_token=None, claimed_until=None
    ):
        return False
    if mine.update(**fields, claim_token=None, claimed_until=None):
        return True
    # A newer claim holds the connection (this run's lapsed): any hint is for that run.
    row.update(**fields)
    return False


def _finish(run: ImportRun, outcome: str, *, code: str = "", message: str = "") -> None:
    run.outcome = outcome
    run.error_code = code
    run.error_message = message[:2000]
    run.finished_at = timezone.now()
    run.save()


def _stopped(run: ImportRun, connection: Connection, outcome: str, code: str, message: str) -> bool:
    """Nothing to retry soon (switched off, needs the user): look again at the next interval."""
    _finish(run, outcome, code=code, message=message)
    interval = timedelta(minutes=settings.IMPORT_INTERVAL_MINUTES)
    return _release(
        connection,
        run,
        next_run_at=timezone.now() + _jittered(interval),
        last_error_code=code,
        last_error_message=message[:2000],
    )


def _succeeded(run: ImportRun, connection: Connection, outcome: str) -> bool:
    now = timezone.now()
    spec = PROVIDERS.get(connection.provider)
    if connection.last_success_at is None and spec is not None and spec.history_note:
        # An empty first import must not look like a mistake: say where the data starts.
        event_record(
            connection=connection,
            kind=ConnectionEvent.Kind.FIRST_IMPORT,
            message=f"First import done. {spec.history_note}",
        )
    if connection.failing_since:
        event_record(
            connection=connection,
            kind=ConnectionEvent.Kind.ENABLED,
            message="The provider answers again; importing is back to normal.",
        )
    interval = import_interval(connection=connection)
    _finish(run, outcome)
    return _release(
        connection,
        run,
        last_success_at=now,
        next_run_at=now
        + _jittered(PARTIAL_PAUSE if outcome == ImportRun.Outcome.PARTIAL else interval),
        last_error_code="",
        last_error_message="",
        failing_since=None,
        consecutive_failures=0,
        failure_days=0,
        paused_until=None,
    )


def _rate_limited(
    run, connection, *, resume_at: datetime, message: str, progress: Progress
) -> bool:
    outcome = ImportRun.Outcome.PARTIAL if progress.pages else ImportRun.Outcome.FAILED
    _finish(run, outcome, code="rate_limited", message=message)
    event_record(
        connection=connection,
        kind=ConnectionEvent.Kind.RATE_LIMITED,
        message=f"{message} Importing resumes at {timezone.localtime(resume_at):%H:%M}.",
    )
    return _release(
        connection,
        run,
        paused_until=resume_at,
        next_run_at=resume_at + _jittered(timedelta(seconds=30), 0.2, 1.0),
        last_error_code="rate_limited",
        last_error_message=message,
    )


def _failed(run, connection, error: Exception, *, retry_at, code: str | None = None) -> bool:
    """A transient failure: back off with jitter, count it once a day, never flag the grant."""
    code = code or getattr(error, "code", "provider_error")
    now = timezone.now()
    # Our own bugs keep their exception type for support; provider errors are sentences.
    text = str(error) if isinstance(error, ProviderError) else f"{type(error).__name__}: {error}"
    _finish(run, ImportRun.Outcome.FAILED, code=code, message=text)
    failures = connection.consecutive_failures + 1
    backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1))
    next_run = now + _jittered(backoff, 0.5, 1.0)
    if retry_at and retry_at > next_run:
        next_run = retry_at
    counted_today = connection.last_failure_counted_on == now.date()
    if connection.failing_since is None:
        # The person reads whose doing it was; the error text itself is for support.
        event_record(
            connection=connection,
            kind=ConnectionEvent.Kind.ERROR,
            message=run_problem(PROVIDERS.get(connection.provider), code),
            detail=text,
        )
    return _release(
        connection,
        run,
        next_run_at=next_run,
        last_error_code=code,
        last_error_message=text[:2000],
        failing_since=connection.failing_since or now,
        consecutive_failures=failures,
        failure_days=connection.failure_days + (0 if counted_today else 1),
        last_failure_counted_on=now.date(),
    )


def _permission_missing(connection: Connection) -> None:
    """The provider refused this feed's scope: only the feeds needing it stop (status derives)."""
    spec = PROVIDERS[connection.provider]
    needed = set(spec.feeds[connection.feed])
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=connection.credential_id)
        credential.scopes = [s for s in credential.scopes if s not in needed]
        credential.save(update_fields=["scopes", "updated_at"])
    labels = ", ".join(spec.permissions[s].label.lower() for s in needed)
    event_record(
        connection=connection,
        kind=ConnectionEvent.Kind.PERMISSION_MISSING,
        message=f"{spec.account_owner} refused {labels} data; the other feeds keep importing.",
    )
