"""Records a provider sent that could not be stored: kept for support, counted on the run."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from connections.models import Connection, ImportRun, SetAsideRecord
from records.services.cleaning import SetAside


def set_aside_record(*, connection: Connection, run: ImportRun, items: list[SetAside]) -> int:
    """Stores (or refreshes) one row per set-aside record; returns how many were set aside."""
    now = timezone.now()
    for item in items:
        fields = {"reason": item.reason, "raw_text": item.raw_text, "run": run}
        seen_again = SetAsideRecord.objects.filter(
            connection=connection, kind=item.kind, key=item.key
        ).update(**fields, last_seen_at=now, times_seen=F("times_seen") + 1)
        if not seen_again:
            SetAsideRecord.objects.create(
                connection=connection, kind=item.kind, key=item.key, **fields
            )
    return len(items)
