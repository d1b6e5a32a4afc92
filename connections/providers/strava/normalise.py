"""Strava API v3 replies -> Tendon records, with units checked.

Shapes and units: SummaryActivity / DetailedAthlete of https://developers.strava.com/swagger/
(activity.json, athlete.json): distance in metres, moving_time and elapsed_time in seconds,
start_date in UTC (start_date_local is wall-clock time mislabelled with a "Z": not used),
kilojoules = work done (rides only; not calories), weight in kilograms (0: not set).
A value that cannot be read raises Unreadable naming it (providers/reading.py): the client sets
that activity aside and stores the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connections.providers.base import RecordData
from connections.providers.reading import optional, value

# Strava's sport types that have a name Tendon's other providers already use.
SPORT_TYPES = {
    "Run": "RUNNING",
    "Ride": "BIKING",
    "Walk": "WALKING",
    "Hike": "HIKING",
    "Swim": "SWIMMING",
}
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
ATHLETE_FIELDS = ("id", "weight", "updated_at")  # what a weight keeps of the profile
TIME, NUMBER, SECONDS = "a time", "a number", "a number of seconds"


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def activity_type(item: dict) -> str:
    """ "RUNNING" for Run, "MOUNTAIN_BIKE_RIDE" for MountainBikeRide (sport_type, else type)."""
    sport = str(item.get("sport_type") or item.get("type") or "Workout")
    return SPORT_TYPES.get(sport) or CAMEL.sub("_", sport).upper()


def _seconds(seconds: Any) -> timedelta:
    """A time Strava gives in whole seconds."""
    return timedelta(seconds=int(seconds))


def _positive(quantity: Any) -> float | None:
    """A quantity Strava gives as 0 when it has none (manual activities, no distance)."""
    number = float(quantity)
    return number if number > 0 else None


def _id(number: Any) -> str:
    return str(int(number))


def activity(item: dict) -> RecordData:
    """One activity from the athlete's list. The duration is the elapsed time (start to
    finish, pauses included, as every provider's), the moving time is kept beside it;
    kilojoules (work, not energy burned) stay in the raw payload. The list carries no
    calories: only the detailed activity does, at one request each (not spent)."""
    heart_rate = (
        optional(item, "average_heartrate", float, NUMBER) if item.get("has_heartrate") else None
    )
    return RecordData(
        kind="activity",
        key=value(item, "id", _id, NUMBER),
        values={
            "activity_type": activity_type(item),
            "name": str(item.get("name") or "").strip() or activity_type(item).title(),
            "start": value(item, "start_date", _time, TIME),
            "duration": optional(item, "elapsed_time", _seconds, SECONDS),
            "moving_time": optional(item, "moving_time", _seconds, SECONDS),
            "distance_m": optional(item, "distance", _positive, NUMBER),
            # given on a detailed activity only
            "calories": optional(item, "calories", _positive, NUMBER),
            "steps": None,
            "average_heart_rate": round(heart_rate) if heart_rate else None,
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
    weight = optional(item, "weight", _positive, NUMBER)
    if weight is None or not item.get("updated_at"):
        return None
    measured = value(item, "updated_at", _time, TIME)
    return RecordData(
        kind="body",
        key=f"athlete-{measured.isoformat()}",
        values={"measured_at": measured, "weight_kg": weight, "bmi": None, "fat_percent": None},
        raw=athlete_raw(item),
    )


def athlete_raw(item: dict) -> dict:
    """What a weight keeps of the athlete's profile: never the whole profile."""
    return {k: item.get(k) for k in ATHLETE_FIELDS}
