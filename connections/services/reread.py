"""Reading again what a push named, inside the ordinary import run.

A hint may name data older than the import's overlap window, or data deleted at the provider.
The run reads that interval again first (with a day's margin either side: some providers filter
by civil time, so the margin makes sure every record of the interval is seen), upserts what the
provider returns and, for deletions, deletes for this connection only the records in the
interval that the provider no longer returns. Nothing is deleted unless every page was read,
each of its records readable.

A hint may also name one record Tendon does not hold (`Connection.records_asked`), where the
provider reads records by key: once the run's windows are read, it asks the provider for each
one they did not bring (a Strava activity uploaded long after it started), and stores what the
provider gives as the account's own, never anything from the push itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, ImportRun
from connections.providers import PROVIDERS
from connections.providers.base import BadResponse, FeedPage, PageGuard, ProviderRefused
from connections.services.events import event_record
from connections.services.pacing import app_budget_check, app_budget_spend
from connections.services.set_aside import set_aside_record
from records.selectors import record_span
from records.services.deletions import records_delete_missing
from records.services.upserts import records_upsert

logger = logging.getLogger(__name__)

MAX_PAGES = 200  # per window, as for an ordinary import
MARGIN = timedelta(days=1)
WINDOW = timedelta(days=7)
# The record kinds each feed writes (records/services/upserts.py TARGETS).
FEED_KINDS = {
    "activities": ("activity",),
    "sleep": ("sleep",),
    "body": ("body",),
    "heart_rate": ("heart_rate",),
    "daily": ("daily",),
}

Fetch = Callable[..., FeedPage]  # (client, connection, *, start, end, token) -> FeedPage
FetchRecord = Callable[..., FeedPage]  # (client, connection, *, key) -> FeedPage


def connection_reread(*, run: ImportRun, connection: Connection, client, fetch: Fetch) -> int:
    """Reads the hinted interval again; returns how many records were deleted.

    Raises as an import's fetch does (the interval then stays asked for, for the next run).
    """
    start, end, deletes = connection.reread_start, connection.reread_end, connection.reread_deletes
    if start is None or end is None:
        return 0
    returned: dict[str, set[str]] = {}
    complete = True
    window, finish = start - MARGIN, min(end + MARGIN, timezone.now())
    while window < finish:
        window_end = min(window + WINDOW, finish)
        token = None
        guard = PageGuard(
            provider_name=connection.provider, deadline=client.deadline, limit=MAX_PAGES
        )
        while True:
            page = fetch(client, connection, start=window, end=window_end, token=token)
            _store(run, connection, page)
            for record in page.records:
                returned.setdefault(record.kind, set()).add(record.key)
            # A record that could not be read may be one stored before: keep, never guess.
            complete = complete and not page.unreadable
            token = guard.follow(page.next_token)
            if not token:
                # Cut short (a repeated token, too many pages): not every page was read.
                complete = complete and not page.next_token
                break
        window = window_end
    if not complete:
        deletes = False  # a window was cut short: keep everything rather than guess
    deleted = 0
    with transaction.atomic():
        if deletes:
            deleted = records_delete_missing(
                user_id=connection.user_id,
                provider=connection.provider,
                account_uid=connection.account_uid,
                kinds=PROVIDERS[connection.provider].feed_kinds.get(connection.feed)
                or FEED_KINDS[connection.feed],
                start=start,
                end=end,
                keep=returned,
            )
        # Done, unless a newer hint widened the interval meanwhile: the follow-up reads that.
        Connection.objects.filter(
            pk=connection.pk, reread_start=start, reread_end=end, reread_deletes=deletes
        ).update(reread_start=None, reread_end=None, reread_deletes=False)
        if deleted:
            name = PROVIDERS[connection.provider].short_name
            what = "1 record" if deleted == 1 else f"{deleted} records"
            event_record(
                connection=connection,
                kind=ConnectionEvent.Kind.DELETED,
                message=f"{what} deleted at {name}; removed from My data too.",
            )
    connection.reread_start = connection.reread_end = None
    connection.reread_deletes = False
    return deleted


def connection_read_asked(
    *, run: ImportRun, connection: Connection, client, fetch: FetchRecord
) -> None:
    """Asks the provider for each record a push named that the run's windows did not bring,
    stores what it gives, and forgets the keys read. A key the provider answers with something
    unreadable or refuses is forgotten too (a forged id must not fail every run); otherwise
    raises as an import's fetch does, and the keys not yet read stay asked for."""
    keys = list(connection.records_asked)
    if not keys:
        return
    spec = PROVIDERS[connection.provider]
    owner = {
        "user_id": connection.user_id,
        "provider": connection.provider,
        "account_uid": connection.account_uid,
    }
    read: list[str] = []
    try:
        for key in keys:
            if record_span(**owner, key=key) is None:  # else a window brought it: no request
                app_budget_check(spec)
                try:
                    page = fetch(client, connection, key=key)
                except (BadResponse, ProviderRefused) as error:
                    logger.warning("Connection %s: an asked record: %s", connection.pk, error)
                    page = FeedPage(records=[], next_token=None, api_calls=1)
                app_budget_spend(spec, page.api_calls)
                _store(run, connection, page)
            read.append(key)
    finally:
        _forget_asked(connection, read)


def _forget_asked(connection: Connection, read: list[str]) -> None:
    """Drops the keys read from the row; keys a push asked for meanwhile stay."""
    if not read:
        return
    with transaction.atomic():
        locked = Connection.objects.select_for_update(of=("self",)).get(pk=connection.pk)
        locked.records_asked = [k for k in locked.records_asked if k not in read]
        locked.save(update_fields=["records_asked"])
    connection.records_asked = locked.records_asked


def _store(run: ImportRun, connection: Connection, page: FeedPage) -> None:
    with transaction.atomic():
        result = records_upsert(
            user_id=connection.user_id,
            provider=connection.provider,
            account_uid=connection.account_uid,
            records=page.records,
            unreadable=page.unreadable,
        )
        run.api_calls += page.api_calls
        run.created_count += result.created
        run.updated_count += result.updated
        if result.set_aside:
            run.skipped_count += set_aside_record(
                connection=connection, run=run, items=result.set_aside
            )
        run.save(update_fields=["api_calls", "created_count", "updated_count", "skipped_count"])
