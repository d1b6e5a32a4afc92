"""Reads of imported data for the person it belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet

from connections.providers import PROVIDERS
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession

LATEST = 20


@dataclass
class FeedData:
    title: str
    slug: str  # as in /data/<slug>.csv
    count: int
    rows: list
    columns: list[str]


@dataclass(frozen=True)
class Export:
    """One feed's records as a download: every record, newest first, in plain columns."""

    model: type
    order: str
    fields: tuple[str, ...]


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
        ("date", "steps", "calories", "distance_m", "active_minutes", "resting_heart_rate"),
    ),
}
EXPORT_COLUMNS = ("source", "provider_account", "record_id")


def _plain(value):
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def records_export(*, user, feed: str) -> tuple[list[str], Iterator[dict]]:
    """The columns and, lazily, every row of one feed of the user's data. KeyError: no such feed."""
    export = EXPORTS[feed]
    columns = [*EXPORT_COLUMNS, *("duration_s" if f == "duration" else f for f in export.fields)]
    rows = (
        export.model.objects.filter(user=user)
        .order_by(export.order, "pk")
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


def _latest(queryset: QuerySet, order: str) -> list:
    return list(queryset.order_by(order)[:LATEST])


def my_data(*, user) -> list[FeedData]:
    """Per feed: how many records, and the latest ones first."""
    owned = {"user": user}
    sections = [
        (
            "Activities",
            "activities",
            Activity.objects.filter(**owned),
            "-start",
            ["When", "Activity", "Duration", "Distance (km)", "Calories", "Source"],
        ),
        (
            "Sleep",
            "sleep",
            SleepSession.objects.filter(**owned),
            "-start",
            ["Night of", "Asleep (h)", "Stages (min)", "Source"],
        ),
        (
            "Body",
            "body",
            BodyMeasurement.objects.filter(**owned),
            "-measured_at",
            ["When", "Weight (kg)", "Body fat (%)", "Source"],
        ),
        (
            "Daily summary",
            "daily",
            DailySummary.objects.filter(**owned),
            "-date",
            ["Day", "Steps", "Distance (km)", "Calories", "Active min", "Resting HR", "Source"],
        ),
    ]
    return [
        FeedData(title, slug, queryset.count(), _latest(queryset, order), columns)
        for title, slug, queryset, order, columns in sections
    ]


def source_name(provider: str) -> str:
    spec = PROVIDERS.get(provider)
    return spec.short_name if spec else provider


# Which table and date a feed's records live in, for summaries that show no values.
FEED_RECORDS = {
    "activities": (Activity, "start"),
    "sleep": (SleepSession, "start"),
    "body": (BodyMeasurement, "measured_at"),
    "daily": (DailySummary, "date"),
    "heart_rate": (DailySummary, "date"),
}


def records_summary(*, user_id: int, provider: str, account_uid: str, feed: str):
    """(how many records, the latest record's date) of one feed of one provider account: what
    support may see without the permission to view health values."""
    from django.db.models import Count, Max

    model, date_field = FEED_RECORDS.get(feed, (None, None))
    if model is None:
        return 0, None
    summary = model.objects.filter(
        user_id=user_id, provider=provider, account_uid=account_uid
    ).aggregate(count=Count("id"), latest=Max(date_field))
    return summary["count"], summary["latest"]
