"""Writing imported records: bulk upserts keyed by the provider's record key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import DatabaseError, models, transaction

from connections.providers.base import RecordData, UnreadableRecord
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from records.services.cleaning import SetAside, Unstorable, record_clean, set_aside
from records.services.daily_values import (
    KIND_DAY_FIELD,
    daily_values_refresh,
    day_of,
    record_days,
)

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
    set_aside: list[SetAside] = field(default_factory=list)


def _deduplicated(records: Iterable[RecordData]) -> dict[tuple[str, str], RecordData]:
    # PostgreSQL refuses an ON CONFLICT batch that touches one row twice; SQLite keeps the last.
    # Keeping the last here makes the same input give the same rows on both.
    unique: dict[tuple[str, str], RecordData] = {}
    for record in records:
        unique[(record.kind, record.key)] = record
    return unique


def records_upsert(
    *,
    user_id: int,
    provider: str,
    account_uid: str,
    records: Iterable[RecordData],
    unreadable: Iterable[UnreadableRecord] = (),
) -> UpsertResult:
    """Stores records, creating new keys and updating changed ones; returns how many of each,
    and the records that could not be stored with the reason (they never stop the others):
    those refused here, and the `unreadable` ones the provider's normaliser could not read.

    A record whose payload did not change is not written at all, so a re-import is cheap.
    """
    owner = {"user_id": user_id, "provider": provider, "account_uid": account_uid}
    by_kind: dict[str, list[RecordData]] = {}
    refused: list[SetAside] = [set_aside(item, item.reason) for item in unreadable]
    for (kind, _key), record in _deduplicated(records).items():
        if kind not in TARGETS:
            refused.append(set_aside(record, f"Tendon stores no records of kind {kind!r}."))
            continue
        model, fields, _raw_field = TARGETS[kind]
        try:
            by_kind.setdefault(kind, []).append(record_clean(record, model, fields))
        except Unstorable as error:
            refused.append(set_aside(record, str(error)))
    created = updated = 0
    days_left: set[date] = set()  # days changed records counted towards before
    for kind, items in by_kind.items():
        try:
            with transaction.atomic():
                fresh, changed, left = _upsert_kind(kind, items, owner)
        except (DatabaseError, ArithmeticError, ValueError, TypeError):
            # One record the database refuses must not cost the others: one at a time, then.
            fresh = changed = 0
            left = set()
            for record in items:
                try:
                    with transaction.atomic():
                        one_fresh, one_changed, one_left = _upsert_kind(kind, [record], owner)
                except (DatabaseError, ArithmeticError, ValueError, TypeError) as error:
                    refused.append(set_aside(record, database_refusal(error)))
                else:
                    fresh += one_fresh
                    changed += one_changed
                    left |= one_left
        created += fresh
        updated += changed - fresh
        days_left |= left
    if created or updated:  # the charts' daily values follow the records they are summed from
        daily_values_refresh(
            user_id=user_id,
            provider=provider,
            days=record_days(r for items in by_kind.values() for r in items) | days_left,
            kinds=by_kind,
        )
    return UpsertResult(created=created, updated=updated, set_aside=refused)


def database_refusal(error: Exception) -> str:
    """Why the database refused a record, as support reads it: the error's first line only.
    PostgreSQL's DETAIL line ("Failing row contains (…)") would show the record's values to
    staff who may not see health data."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"The database refused it: {first_line}"


def _upsert_kind(kind: str, items: list[RecordData], owner: dict) -> tuple[int, int, set[date]]:
    """(new records, new or changed records, the days the changed ones counted towards before)
    after writing items of one kind. A record the provider moved (a night that now ends after
    midnight) leaves its old day, whose daily values must be summed again too."""
    model, fields, raw_field = TARGETS[kind]
    day_field = KIND_DAY_FIELD[kind]
    stored = {
        key: (raw, day)
        for key, raw, day in model.objects.filter(
            **owner, key__in=[r.key for r in items]
        ).values_list("key", raw_field, day_field)
    }
    changed = [r for r in items if r.key not in stored or stored[r.key][0] != r.raw]
    if not changed:
        return 0, 0, set()
    model.objects.bulk_create(
        [model(**owner, key=r.key, **r.values, **{raw_field: r.raw}) for r in changed],
        update_conflicts=True,
        unique_fields=UNIQUE,
        update_fields=[*fields, raw_field, "updated_at"],
        batch_size=BATCH_SIZE,
    )
    before = {day_of(stored[r.key][1]) for r in changed if r.key in stored and stored[r.key][1]}
    return sum(1 for r in changed if r.key not in stored), len(changed), before
