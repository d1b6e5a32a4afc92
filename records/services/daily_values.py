"""Keeping the charts' daily values in step with the records they are summed up from.

A day's values are always recomputed from the stored records, never adjusted by a delta, so any
writer (an import, a deletion, a repair) keeps them right by calling daily_values_refresh() with
the days it touched, after its change and in the same transaction.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models as dj
from django.db import transaction

from records import models as record_models

# Which value of a record says its day: a record kind (RecordData.kind) or a model's field.
KIND_DAY_FIELD = {
    "activity": "start",
    "sleep": "end",  # a night belongs to the morning it ends on
    "body": "measured_at",
    "daily": "date",
    "heart_rate": "date",
}
ZONES = ("light", "moderate", "vigorous", "peak")
# The records each kind is stored in, and the daily value columns summed from them.
KIND_SOURCE = {
    "daily": "daily",
    "heart_rate": "daily",
    "sleep": "sleep",
    "body": "body",
    "activity": "activity",
}
SOURCE_COLUMNS = {
    "daily": ("steps", "resting_heart_rate"),
    "sleep": ("sleep_minutes", "sleep_stages"),
    "body": ("weight_kg", "fat_percent"),
    "activity": ("activities", "heart_rate_zones"),
}


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_of(value: date | datetime) -> date:
    """The calendar day (in settings.TIME_ZONE) a record's date or moment falls on."""
    if isinstance(value, datetime):
        return value.astimezone(_zone()).date()
    return value


def record_days(records: Iterable[Any]) -> set[date]:
    """The days these records count towards: RecordData items or stored model instances."""
    days: set[date] = set()
    for record in records:
        if hasattr(record, "kind"):
            value = record.values.get(KIND_DAY_FIELD[record.kind])
        else:
            value = getattr(record, _model_day_field(type(record)))
        if value is not None:
            days.add(day_of(value))
    return days


def _model_day_field(model) -> str:
    return {
        "Activity": "start",
        "SleepSession": "end",
        "BodyMeasurement": "measured_at",
        "DailySummary": "date",
    }[model.__name__]


@dataclass
class _Day:
    steps: int | None = None
    sleep_minutes: int | None = None
    sleep_stages: dict = field(default_factory=dict)
    weight_kg: float | None = None
    fat_percent: float | None = None
    resting_heart_rate: int | None = None
    heart_rate_zones: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)

    def has_values(self) -> bool:
        return any(
            (
                self.steps is not None,
                self.sleep_minutes is not None,
                self.weight_kg is not None,
                self.fat_percent is not None,
                self.resting_heart_rate is not None,
                self.activities,
            )
        )


@dataclass(frozen=True)
class Models:
    """The models the sums read and write (a migration passes its historical ones)."""

    activity: type[dj.Model] = record_models.Activity
    sleep: type[dj.Model] = record_models.SleepSession
    body: type[dj.Model] = record_models.BodyMeasurement
    daily: type[dj.Model] = record_models.DailySummary
    daily_value: type[dj.Model] = record_models.DailyValue


def _between(first: date, last: date) -> tuple[datetime, datetime]:
    zone = _zone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _sum_days(
    m: Models, owner: dict, first: date, last: date, sources: Iterable[str] = SOURCE_COLUMNS
) -> dict[date, _Day]:
    """Every day from first to last that has records, summed from them (one range query per
    source: the records of daily summaries, sleep, body, activities)."""
    start, end = _between(first, last)
    days: dict[date, _Day] = {}

    def day(value) -> _Day:
        return days.setdefault(day_of(value), _Day())

    # Several accounts of one provider may report the same day: the latest update wins.
    for row in (
        m.daily.objects.filter(**owner, date__gte=first, date__lte=last)
        .order_by("updated_at")
        .values("date", "steps", "resting_heart_rate")
        if "daily" in sources
        else ()
    ):
        summary = day(row["date"])
        if row["steps"] is not None:
            summary.steps = row["steps"]
        if row["resting_heart_rate"] is not None:
            summary.resting_heart_rate = row["resting_heart_rate"]
    for row in (
        m.sleep.objects.filter(**owner, end__gte=start, end__lt=end)
        .order_by("end")
        .values("start", "end", "minutes_asleep", "stages")
        if "sleep" in sources
        else ()
    ):
        night = day(row["end"])
        asleep = row["minutes_asleep"]
        if asleep is None:
            asleep = round((row["end"] - row["start"]).total_seconds() / 60)
        night.sleep_minutes = (night.sleep_minutes or 0) + asleep  # a night and its naps
        for stage, minutes in (row["stages"] or {}).items():
            night.sleep_stages[stage] = night.sleep_stages.get(stage, 0) + int(minutes or 0)
    for row in (
        m.body.objects.filter(**owner, measured_at__gte=start, measured_at__lt=end)
        .order_by("measured_at")
        .values("measured_at", "weight_kg", "fat_percent")
        if "body" in sources
        else ()
    ):
        weigh_in = day(row["measured_at"])  # the day's last weigh-in stands for the day
        if row["weight_kg"] is not None:
            weigh_in.weight_kg = row["weight_kg"]
        if row["fat_percent"] is not None:
            weigh_in.fat_percent = row["fat_percent"]
    for row in (
        m.activity.objects.filter(**owner, start__gte=start, start__lt=end).values(
            "start", "activity_type", "heart_rate_zones"
        )
        if "activity" in sources
        else ()
    ):
        workout = day(row["start"])
        kind = row["activity_type"] or "other"
        workout.activities[kind] = workout.activities.get(kind, 0) + 1
        for zone, minutes in (row["heart_rate_zones"] or {}).items():
            workout.heart_rate_zones[zone] = workout.heart_rate_zones.get(zone, 0) + minutes
    return days


def daily_values_refresh(
    *,
    user_id: int,
    provider: str,
    days: Iterable[date],
    kinds: Iterable[str] | None = None,
    models: Models | None = None,
) -> int:
    """Recomputes the user's daily values from this provider's records for these days.

    Call it after storing or deleting records, with the days they count towards
    (record_days()), inside the writer's transaction. With `kinds` (the record kinds written),
    only the values summed from those kinds' records are recomputed: an import of workouts
    reads workouts only. Returns how many of the days have values of those kinds.
    """
    wanted = set(days)
    if not wanted:
        return 0
    m = models or Models()
    owner = {"user_id": user_id, "provider": provider}
    # A failure here fails the caller's whole change: no savepoint of its own is needed.
    with transaction.atomic(savepoint=False):
        if models is None:
            # Two feeds of one provider may import at once: the second to get here waits for the
            # first to commit, so it sums the first one's records too instead of writing over them.
            list(get_user_model().objects.select_for_update().filter(pk=user_id).values("pk"))
        if kinds is None:
            return _replace_days(m, owner, wanted)
        return _update_days(m, owner, wanted, {KIND_SOURCE[kind] for kind in kinds})


def _replace_days(m: Models, owner: dict, wanted: set[date]) -> int:
    """Every value of these days, summed again from all of their records."""
    summed = _sum_days(m, owner, min(wanted), max(wanted))
    m.daily_value.objects.filter(**owner, day__in=wanted).delete()
    rows = [
        m.daily_value(**owner, day=day, **vars(values))
        for day, values in sorted(summed.items())
        if day in wanted and values.has_values()
    ]
    m.daily_value.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _update_days(m: Models, owner: dict, wanted: set[date], sources: set[str]) -> int:
    """The values of these days summed from the sources' records, the others left as they
    are: one upsert, plus a clean-up where a day no longer has any of the sources' records."""
    summed = _sum_days(m, owner, min(wanted), max(wanted), sources)
    columns = [column for source in sorted(sources) for column in SOURCE_COLUMNS[source]]
    rows, emptied = [], []
    for day in sorted(wanted):
        values = summed.get(day)
        if values is not None and values.has_values():
            rows.append(m.daily_value(**owner, day=day, **{c: getattr(values, c) for c in columns}))
        else:
            emptied.append(day)
    m.daily_value.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user", "day", "provider"],
        update_fields=columns,
    )
    if emptied:
        blank = {c: ({} if c in JSON_COLUMNS else None) for c in columns}
        m.daily_value.objects.filter(**owner, day__in=emptied).update(**blank)
        m.daily_value.objects.filter(**owner, day__in=emptied, **EMPTY).delete()
    return len(rows)


JSON_COLUMNS = {"sleep_stages", "heart_rate_zones", "activities"}
# A day without any value left (has_values() false): its row goes.
EMPTY = {
    "steps__isnull": True,
    "sleep_minutes__isnull": True,
    "weight_kg__isnull": True,
    "fat_percent__isnull": True,
    "resting_heart_rate__isnull": True,
    "activities": {},
}


def daily_values_rebuild(*, models: Models | None = None) -> int:
    """Recomputes every daily value of every person from their records; returns days written."""
    m = models or Models()
    spans: dict[tuple[int, str], tuple[date, date]] = {}
    for model, day_field in (
        (m.daily, "date"),
        (m.sleep, "end"),
        (m.body, "measured_at"),
        (m.activity, "start"),
    ):
        for span in model.objects.values("user_id", "provider").annotate(
            first=dj.Min(day_field), last=dj.Max(day_field)
        ):
            owner = (span["user_id"], span["provider"])
            first, last = day_of(span["first"]), day_of(span["last"])
            known = spans.get(owner, (first, last))
            spans[owner] = (min(first, known[0]), max(last, known[1]))
    written = 0
    for (user_id, provider), (first, last) in spans.items():
        while first <= last:  # a year at a time, so memory stays small
            chunk_last = min(last, first + timedelta(days=365))
            written += daily_values_refresh(
                user_id=user_id,
                provider=provider,
                days=[first + timedelta(days=i) for i in range((chunk_last - first).days + 1)],
                models=m,
            )
            first = chunk_last + timedelta(days=1)
    return written
