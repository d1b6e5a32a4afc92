"""Records as Open mHealth data points: a header (id, creation time, schema id, provenance) and a
body in one of the Open mHealth schemas. Reference: https://www.openmhealth.org/documentation/

Which schema each feed becomes (the versions tests validate against, in tests/fixtures/omh/):
activities -> physical-activity 1.2; sleep -> sleep-episode 1.1 and sleep-duration 2.0;
body -> body-weight 2.0 and body-fat-percentage 1.0; daily -> step-count 2.0;
heart_rate -> heart-rate 2.0, marked "at rest" (the feed is the resting heart rate per day).
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings

from connections.providers import PROVIDERS
from records.exports import export_queryset

SCHEMAS = {
    "physical-activity": "1.2",
    "sleep-episode": "1.1",
    "sleep-duration": "2.0",
    "body-weight": "2.0",
    "body-fat-percentage": "1.0",
    "step-count": "2.0",
    "heart-rate": "2.0",
}
# Stable ids: the same record always gets the same data point id, in every download.
NAMESPACE = uuid.UUID("0b8f6f3e-8a37-5d0e-9f0e-7e1c3b0d7a11")


def _moment(value: datetime) -> str:
    return value.isoformat()


def _day_interval(day: date) -> dict:
    """A calendar day (in settings.TIME_ZONE) as an Open mHealth time interval."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return {
        "time_interval": {
            "start_date_time": _moment(start),
            "end_date_time": _moment(start + timedelta(days=1)),
        }
    }


def _point(record, schema: str, body: dict) -> dict:
    spec = PROVIDERS.get(record.provider)
    return {
        "header": {
            "id": str(
                uuid.uuid5(
                    NAMESPACE, f"{record.provider}/{record.account_uid}/{record.key}/{schema}"
                )
            ),
            "creation_date_time": _moment(record.imported_at),
            "schema_id": {"namespace": "omh", "name": schema, "version": SCHEMAS[schema]},
            "acquisition_provenance": {
                "source_name": spec.name if spec else record.provider,
                "source_data_point_id": record.key,
            },
        },
        "body": body,
    }


def _activity(r) -> Iterator[dict]:
    if r.duration:
        frame = {
            "time_interval": {
                "start_date_time": _moment(r.start),
                "duration": {"value": round(r.duration.total_seconds() / 60, 2), "unit": "min"},
            }
        }
    else:
        frame = {"date_time": _moment(r.start)}
    body = {
        "activity_name": r.name or r.activity_type.replace("_", " ").lower(),
        "effective_time_frame": frame,
    }
    if r.distance_m is not None:
        body["distance"] = {"value": r.distance_m, "unit": "m"}
    if r.calories is not None:
        body["kcal_burned"] = {"value": r.calories, "unit": "kcal"}
    yield _point(r, "physical-activity", body)


def _sleep(r) -> Iterator[dict]:
    frame = {
        "time_interval": {"start_date_time": _moment(r.start), "end_date_time": _moment(r.end)}
    }
    episode = {"effective_time_frame": frame}
    if r.minutes_asleep is not None:
        episode["total_sleep_time"] = {"value": r.minutes_asleep, "unit": "min"}
    yield _point(r, "sleep-episode", episode)
    if r.minutes_asleep is not None:
        yield _point(
            r,
            "sleep-duration",
            {
                "sleep_duration": {"value": r.minutes_asleep, "unit": "min"},
                "effective_time_frame": frame,
            },
        )


def _body(r) -> Iterator[dict]:
    frame = {"date_time": _moment(r.measured_at)}
    if r.weight_kg is not None:
        yield _point(
            r,
            "body-weight",
            {"body_weight": {"value": r.weight_kg, "unit": "kg"}, "effective_time_frame": frame},
        )
    if r.fat_percent is not None:
        yield _point(
            r,
            "body-fat-percentage",
            {
                "body_fat_percentage": {"value": r.fat_percent, "unit": "%"},
                "effective_time_frame": frame,
            },
        )


def _daily(r) -> Iterator[dict]:
    if r.steps is not None:
        yield _point(
            r, "step-count", {"step_count": r.steps, "effective_time_frame": _day_interval(r.date)}
        )


def _heart_rate(r) -> Iterator[dict]:
    yield _point(
        r,
        "heart-rate",
        {
            "heart_rate": {"value": r.resting_heart_rate, "unit": "beats/min"},
            "effective_time_frame": _day_interval(r.date),
            # Without it a consumer cannot tell a resting rate from any other heart rate.
            "temporal_relationship_to_physical_activity": "at rest",
        },
    )


BUILDERS = {
    "activities": _activity,
    "sleep": _sleep,
    "body": _body,
    "daily": _daily,
    "heart_rate": _heart_rate,
}


def omh_data_points(
    *, user, feed: str, first: date | None = None, last: date | None = None
) -> Iterator[dict]:
    """Lazily, every record of the feed as Open mHealth data points, newest first."""
    build = BUILDERS[feed]
    records = export_queryset(user=user, feed=feed, first=first, last=last).defer("raw")
    for record in records.iterator(chunk_size=2000):
        yield from build(record)
