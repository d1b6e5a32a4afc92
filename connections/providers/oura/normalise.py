"""Oura API v2 documents -> Tendon records. Shapes and units from Oura's OpenAPI document
(https://cloud.ouraring.com/v2/docs): energy in kilocalories, distances in metres, durations in
seconds ("unless otherwise specified"), heart rate in beats per minute.

A value that cannot be read raises Unreadable naming it (providers/reading.py): the client sets
that document (or sample) aside and stores the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from connections.providers.base import RecordData
from connections.providers.reading import optional, value

# PublicSleepType: "deleted" (by the person) and "rest" (falsely detected, rejected by the
# person) are not sleep; leaving them out lets a re-read delete them.
NOT_SLEEP = {"deleted", "rest"}
# PublicHeartRateRow.source values measured asleep: the lowest of them is the night's resting
# heart rate (Oura's own "lowest heart rate" of a sleep period is the same idea).
RESTING_SOURCES = {"sleep"}
DAILY_COLLECTIONS = ("daily_activity", "daily_sleep", "daily_readiness")
TIME, NUMBER = "a time", "a number"


def moment(value: Any) -> datetime:
    """A LocalizedDateTime or UtcDateTime ("ISO 8601 with timezone information")."""
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def _minutes(seconds: Any) -> int:
    return round(float(seconds) / 60)


def daily(day: date, parts: dict[str, dict]) -> RecordData:
    """One day from Oura's daily documents (PublicDailyActivity, PublicDailySleep,
    PublicDailyReadiness)."""
    return RecordData(kind="daily", key=day.isoformat(), values=daily_values(day, parts), raw=parts)


def daily_values(day: date, parts: dict[str, dict]) -> dict[str, Any]:
    """The day's columns, read from its documents by type (the record's raw payload): the same
    reading for a day just fetched and for one stored before a column existed."""
    activity = parts.get("daily_activity") or {}
    active_seconds = [
        optional(activity, name, float, NUMBER)
        for name in ("medium_activity_time", "high_activity_time")
    ]
    return {
        "date": day,
        "steps": activity.get("steps"),
        "calories": activity.get("total_calories"),  # kcal
        "distance_m": activity.get("equivalent_walking_distance"),  # metres
        # Oura's medium and high activity (seconds); low activity is not "active".
        "active_minutes": _minutes(sum(s or 0 for s in active_seconds))
        if any(s is not None for s in active_seconds)
        else None,
        # Each document's own 1-100 score (null while Oura cannot score the day).
        "activity_score": activity.get("score"),
        "sleep_score": (parts.get("daily_sleep") or {}).get("score"),
        "readiness_score": (parts.get("daily_readiness") or {}).get("score"),
    }


def sleep(document: dict) -> RecordData | None:
    """A sleep period (PublicModifiedSleepModel); None for one that is not sleep."""
    if document.get("type") in NOT_SLEEP:
        return None
    stages = {
        stage: optional(document, field, _minutes, NUMBER)
        for stage, field in (
            ("deep", "deep_sleep_duration"),
            ("light", "light_sleep_duration"),
            ("rem", "rem_sleep_duration"),
            ("awake", "awake_time"),
        )
        if document.get(field) is not None
    }
    asleep = optional(document, "total_sleep_duration", _minutes, NUMBER)
    if asleep is None and all(s in stages for s in ("deep", "light", "rem")):
        asleep = stages["deep"] + stages["light"] + stages["rem"]  # Oura left the total out
    return RecordData(
        kind="sleep",
        key=str(document["id"]),
        values={
            "start": value(document, "bedtime_start", moment, TIME),
            "end": value(document, "bedtime_end", moment, TIME),
            "minutes_asleep": asleep,
            "stages": stages,
        },
        raw=document,
    )


def workout(document: dict) -> RecordData:
    """A workout (PublicWorkout). An end before the start (Oura's own example has one) leaves
    the duration unknown rather than negative."""
    start = value(document, "start_datetime", moment, TIME)
    end = value(document, "end_datetime", moment, TIME)
    return RecordData(
        kind="activity",
        key=str(document["id"]),
        values={
            "activity_type": str(document["activity"]),
            "name": document.get("label") or str(document["activity"]).replace("_", " "),
            "start": start,
            "duration": end - start if end >= start else None,
            "distance_m": document.get("distance"),  # metres
            "calories": document.get("calories"),  # kcal
            "steps": None,
            "average_heart_rate": None,
            "heart_rate_zones": {},
        },
        raw=document,
    )


def asleep_sample(sample: dict) -> tuple[date, int, dict] | None:
    """A heart rate sample (PublicHeartRateRow: bpm, source, timestamp in UTC) measured asleep,
    as (its UTC day, its bpm, the sample); None for one measured awake."""
    if sample.get("source") not in RESTING_SOURCES:
        return None
    day = value(sample, "timestamp", moment, TIME).date()
    return day, value(sample, "bpm", int, NUMBER), sample


def resting_heart_rates(
    samples: list[tuple[date, int, dict]], *, first: date, last: date
) -> list[RecordData]:
    """Per UTC day in [first, last], the lowest heart rate measured asleep (asleep_sample's
    readings; one sample per 5 minutes)."""
    lowest: dict[date, tuple[int, dict]] = {}
    for day, bpm, sample in samples:
        if first <= day <= last and (day not in lowest or bpm < lowest[day][0]):
            lowest[day] = (bpm, sample)
    return [
        RecordData(
            kind="heart_rate",
            key=day.isoformat(),
            values={"date": day, "resting_heart_rate": bpm},
            raw={"lowest_sleeping_sample": sample},
        )
        for day, (bpm, sample) in sorted(lowest.items())
    ]


def day_of(document: dict) -> date:
    return value(document, "day", lambda day: date.fromisoformat(str(day)), "a date")
