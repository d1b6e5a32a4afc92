"""Strava API v3 replies -> Tendon records, with units checked.

Shapes and units: SummaryActivity / DetailedAthlete of https://developers.strava.com/swagger/
(activity.json, athlete.json): distance in metres, moving_time and elapsed_time in seconds,
start_date in UTC (start_date_local is wall-clock time mislabelled with a "Z": not used),
kilojoules = work done (rides only; not calories), weight in kilograms (0: not set).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connections.providers.base import BadResponse, RecordData

# Strava's sport types that have a name Tendon's other providers already use.
SPORT_TYPES = {
    "Run": "RUNNING",
    "Ride": "BIKING",
    "Walk": "WALKING",
    "Hike": "HIKING",
    "Swim": "SWIMMING",
}
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def activity_type(item: dict) -> str:
    """ "RUNNING" for Run, "MOUNTAIN_BIKE_RIDE" for MountainBikeRide (sport_type, else type)."""
    sport = str(item.get("sport_type") or item.get("type") or "Workout")
    return SPORT_TYPES.get(sport) or CAMEL.sub("_", sport).upper()


def _seconds(value: Any) -> timedelta | None:
    """A time Strava gives in whole seconds; None when absent."""
    return None if value in (None, "") else timedelta(seconds=int(value))


def _positive(value: Any) -> float | None:
    """A quantity Strava gives as 0 when it has none (manual activities, no distance)."""
    if value in (None, ""):
        return None
    number = float(value)
    return number if number > 0 else None


def activity(item: dict) -> RecordData:
    """One activity from the athlete's list. The duration is the elapsed time (start to
    finish, pauses included, as every provider's), the moving time is kept beside it;
    kilojoules (work, not energy burned) stay in the raw payload. The list carries no
    calories: only the detailed activity does, at one request each (not spent)."""
    heart_rate = item.get("average_heartrate") if item.get("has_heartrate") else None
    return RecordData(
        kind="activity",
        key=str(int(item["id"])),
        values={
            "activity_type": activity_type(item),
            "name": str(item.get("name") or "").strip() or activity_type(item).title(),
            "start": _time(item["start_date"]),
            "duration": _seconds(item.get("elapsed_time")),
            "moving_time": _seconds(item.get("moving_time")),
            "distance_m": _positive(item.get("distance")),
            "calories": _positive(item.get("calories")),  # given on a detailed activity only
            "steps": None,
            "average_heart_rate": round(float(heart_rate)) if heart_rate else None,
            "heart_rate_zones": {},
        },
        raw=item,
    )


# What a detailed activity adds to the list's summary that Tendon has no use for and would
# only make the stored payload large: efforts, splits, laps, photos, the full-resolution route.
DETAIL_ONLY = (
    "segment_efforts",
    "best_efforts",
    "splits_metric",
    "splits_standard",
    "laps",
    "photos",
    "similar_activities",
    "embed_token",
)


def detailed_activity(item: dict) -> RecordData:
    """One activity from its detailed view (GET /activities/{id}): read as the list's summary
    is, with the calories only this view gives; the payload kept without the bulky details."""
    summary = {k: v for k, v in item.items() if k not in DETAIL_ONLY}
    if isinstance(item.get("map"), dict):
        summary["map"] = {k: v for k, v in item["map"].items() if k != "polyline"}
    return activity(summary)


def athlete_weight(item: dict) -> RecordData | None:
    """The weight the athlete keeps on Strava (kg), dated by the profile's last change; None
    when they keep none. Strava keeps no history: each change seen becomes one measurement."""
    weight = _positive(item.get("weight"))
    if weight is None or not item.get("updated_at"):
        return None
    measured = _time(item["updated_at"])
    return RecordData(
        kind="body",
        key=f"athlete-{measured.isoformat()}",
        values={"measured_at": measured, "weight_kg": weight, "bmi": None, "fat_percent": None},
        raw={k: item.get(k) for k in ("id", "weight", "updated_at")},  # not the whole profile
    )


def read(provider_name: str, reader, item: Any) -> Any:
    """The reader's result; an item we cannot read is a BadResponse, never a crash."""
    try:
        return reader(item)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise BadResponse(f"{provider_name} sent a record we cannot read ({error!r}).") from error
