"""Writing imported records: bulk upserts keyed by the provider's record key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from connections.providers.base import RecordData
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from records.services.daily_values import daily_values_refresh, record_days

# kind -> (model, the columns that kind writes, where its raw payload goes)
TARGETS: dict[str, tuple[type[models.Model], tuple[str, ...], str]] = {
    "activity": (Activity, Activity.VALUE_FIELDS, "raw"),
    "sleep": (SleepSession, SleepSession.VALUE_FIELDS, "raw"),
    "body": (BodyMeasurement, BodyMeasurement.VALUE_FIELDS, "raw"),
    "daily": (DailySummary, DailySummary.VALUE_FIELDS, "raw"),
    "heart_rate": (DailySummary, DailySummary.HEART_RATE_FIELDS, "raw_heart_rate"),
}
UNIQUE = ["user", "provider", "account_uid", "key"]
BATCH_SIZE = 500


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int


def _deduplicated(records: Iterable[RecordData]) -> dict[tuple[str, str], RecordData]:
    # PostgreSQL refuses an ON CONFLICT batch that touches one row twice; SQLite keeps the last.
    # Keeping the last here makes the same input give the same rows on both.
    unique: dict[tuple[str, str], RecordData] = {}
    for record in records:
        unique[(record.kind, record.key)] = record
    return unique


def records_upsert(
    *, user_id: int, provider: str, account_uid: str, records: Iterable[RecordData]
) -> UpsertResult:
    """Stores records, creating new keys and updating changed ones; returns how many of each.

    A record whose payload did not change is not written at all, so a re-import is cheap.
    """
    by_kind: dict[str, list[RecordData]] = {}
    for (kind, _key), record in _deduplicated(records).items():
        by_kind.setdefault(kind, []).append(record)
    created = updated = 0
    for kind, items in by_kind.items():
        model, fields, raw_field = TARGETS[kind]
        owner = {"user_id": user_id, "provider": provider, "account_uid": account_uid}
        stored = dict(
            model.objects.filter(**owner, key__in=[r.key for r in items]).values_list(
                "key", raw_field
            )
        )
        changed = [r for r in items if r.key not in stored or stored[r.key] != r.raw]
        if not changed:
            continue
        model.objects.bulk_create(
            [model(**owner, key=r.key, **r.values, **{raw_field: r.raw}) for r in changed],
            update_conflicts=True,
            unique_fields=UNIQUE,
            update_fields=[*fields, raw_field, "updated_at"],
            batch_size=BATCH_SIZE,
        )
        fresh = sum(1 for r in changed if r.key not in stored)
        created += fresh
        updated += len(changed) - fresh
    if created or updated:  # the charts' daily values follow the records they are summed from
        daily_values_refresh(
            user_id=user_id,
            provider=provider,
            days=record_days(r for items in by_kind.values() for r in items),
        )
    return UpsertResult(created=created, updated=updated)
