"""Reading again an interval a verified push named, inside the ordinary import run.

A hint may name data older than the import's overlap window, or data deleted at the provider.
The run reads that interval again first (with a day's margin either side: some providers filter
by civil time, so the margin makes sure every record of the interval is seen), upserts what the
provider returns and, for deletions, deletes for this connection only the records in the
interval that the provider no longer returns. Nothing is deleted unless every page was read,
each of its records readable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, ImportRun
from connections.providers import PROVIDERS
from connections.providers.base import FeedPage, PageGuard
from connections.services.events import event_record
from connections.services.set_aside import set_aside_record
from records.services.deletions import records_delete_missing
from records.services.upserts import records_upsert

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
