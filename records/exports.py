"""Downloads of a person's records: every record of a feed, newest first, in plain columns."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from records.models import Activity, BodyMeasurement, DailySummary, SleepSession


@dataclass(frozen=True)
class Export:
    """One feed's records as a download."""

    model: type
    order: str  # newest first; its field also says which day a record belongs to
    fields: tuple[str, ...]
    only: Q = Q()


EXPORTS: dict[str, Export] = {
    "activities": Export(
        Activity,
        "-start",
        (
            "start",
            "activity_type",
            "name",
            "duration",
            "distance_m",
            "calories",
            "steps",
            "average_heart_rate",
        ),
    ),
    "sleep": Export(SleepSession, "-start", ("start", "end", "minutes_asleep", "stages")),
    "body": Export(
        BodyMeasurement, "-measured_at", ("measured_at", "weight_kg", "bmi", "fat_percent")
    ),
    "daily": Export(
        DailySummary,
        "-date",
        (
            "date",
            "steps",
            "calories",
            "distance_m",
            "active_minutes",
            "resting_heart_rate",
            *DailySummary.SCORE_FIELDS,
        ),
    ),
    "heart_rate": Export(
        DailySummary,
        "-date",
        ("date", "resting_heart_rate"),
        only=Q(resting_heart_rate__isnull=False),
    ),
}
EXPORT_COLUMNS = ("source", "provider_account", "record_id")


def _plain(value):
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_queryset(*, user, feed: str, first: date | None = None, last: date | None = None):
    """The feed's records of this user, newest first, from first to last (days, inclusive)."""
    export = EXPORTS[feed]
    field = export.order.lstrip("-")
    records = export.model.objects.filter(export.only, user=user)
    if export.model._meta.get_field(field).get_internal_type() == "DateField":
        bounds = {f"{field}__gte": first, f"{field}__lte": last}
    else:
        zone = timezone.get_current_timezone()
        bounds = {
            f"{field}__gte": _midnight(first, zone),
            f"{field}__lt": _midnight(last + timedelta(days=1), zone) if last else None,
        }
    records = records.filter(**{k: v for k, v in bounds.items() if v is not None})
    return records.order_by(export.order, "pk")


def _midnight(day: date | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=zone)


def records_export(
    *, user, feed: str, first: date | None = None, last: date | None = None
) -> tuple[list[str], Iterator[dict]]:
    """The columns and, lazily, every row of one feed of the user's data. KeyError: no such feed."""
    from records.selectors import source_name

    export = EXPORTS[feed]
    columns = [*EXPORT_COLUMNS, *("duration_s" if f == "duration" else f for f in export.fields)]
    rows = (
        export_queryset(user=user, feed=feed, first=first, last=last)
        .values_list("provider", "account_uid", "key", *export.fields)
        .iterator(chunk_size=2000)
    )

    def plain_rows() -> Iterator[dict]:
        for provider, account, key, *values in rows:
            yield dict(
                zip(
                    columns,
                    [source_name(provider), account, key, *map(_plain, values)],
                    strict=True,
                )
            )

    return columns, plain_rows()
