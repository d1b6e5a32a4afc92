"""Polar AccessLink v3 replies -> Tendon records, with Polar's units made Tendon's.

Shapes and units: https://www.polar.com/accesslink-api/ (schemas exerciseHashId, sleep,
nightly-recharge, activity-summary-with-all-samples) and swagger.yaml ("Physical info").
Durations are ISO 8601 ("PT45M30S") or seconds (sleep); distances metres; energy kilocalories.
A value that cannot be read raises Unreadable naming it (providers/reading.py): the client sets
that item aside and stores the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from django.utils.dateparse import parse_duration

from connections.providers.base import RecordData
from connections.providers.reading import optional, value

TIME, DATE, NUMBER = "a time", "a date", "a number"
DURATION = "an ISO 8601 duration"


def _duration(text: Any) -> timedelta:
    """An ISO 8601 duration ("PT2H44M")."""
    duration = parse_duration(str(text))
    if duration is None:
        raise ValueError("not an ISO 8601 duration")
    return duration


def _whole(number: Any) -> int:
    return round(float(number))


def _minutes(seconds: Any) -> int:
    return round(float(seconds) / 60)


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(text: Any) -> date:
    return date.fromisoformat(str(text))


def exercise(item: dict) -> RecordData:
    """One training session. start_time is the training computer's local time with its UTC
    offset in minutes beside it; duration ISO 8601; distance metres; calories kcal."""
    offset = optional(item, "start_time_utc_offset", int, "a number of minutes")
    local = value(item, "start_time", datetime.fromisoformat, TIME)
    zone = timezone(timedelta(minutes=offset)) if offset is not None else UTC
    heart_rate = item.get("heart_rate") or {}
    sport = str(item.get("detailed_sport_info") or item.get("sport") or "OTHER")
    return RecordData(
        kind="activity",
        key=str(item["id"]),
        values={
            "activity_type": sport,
            "name": sport.replace("_", " ").capitalize(),  # Polar gives sessions no title
            "start": local.replace(tzinfo=zone) if local.tzinfo is None else local,
            "duration": optional(item, "duration", _duration, DURATION),
            "distance_m": optional(item, "distance", float, NUMBER),
            "calories": optional(item, "calories", float, NUMBER),
            "steps": None,
            "average_heart_rate": optional(heart_rate, "average", _whole, NUMBER),
            "heart_rate_zones": {},
        },
        raw=item,
    )


def sleep(item: dict) -> RecordData:
    """One night. Stage durations come in seconds; asleep = light + deep + REM (Polar does not
    say which sum it calls actual sleep; its unrecognised stage is kept apart)."""
    stages = {
        stage: optional(item, field, _minutes, NUMBER) or 0
        for stage, field in (
            ("light", "light_sleep"),
            ("deep", "deep_sleep"),
            ("rem", "rem_sleep"),
            ("awake", "total_interruption_duration"),
        )
    }
    if item.get("unrecognized_sleep_stage"):
        stages["unknown"] = value(item, "unrecognized_sleep_stage", _minutes, NUMBER)
    asleep = sum(
        optional(item, k, float, NUMBER) or 0 for k in ("light_sleep", "deep_sleep", "rem_sleep")
    )
    return RecordData(
        kind="sleep",
        key=value(item, "date", _day, DATE).isoformat(),
        values={
            "start": value(item, "sleep_start_time", _aware, TIME),
            "end": value(item, "sleep_end_time", _aware, TIME),
            "minutes_asleep": round(asleep / 60),
            "stages": stages,
        },
        raw=item,
    )


def nightly_recharge(item: dict) -> RecordData:
    """One night's recovery. Polar reports no resting heart rate; the night's average heart
    rate (bpm) is the closest measure. HRV and breathing rate stay in the raw payload."""
    day = value(item, "date", _day, DATE)
    return RecordData(
        kind="heart_rate",
        key=day.isoformat(),
        values={
            "date": day,
            "resting_heart_rate": optional(item, "heart_rate_avg", _whole, NUMBER),
        },
        raw=item,
    )


def activity_day(item: dict) -> RecordData:
    """One day's activity. The summary carries no date of its own: its start_time's date is
    the day (it begins at 00:00 of that day). calories kcal (BMR included); distance metres."""
    day = value(item, "start_time", lambda start: _day(str(start)[:10]), TIME)
    active = optional(item, "active_duration", _duration, DURATION)
    return RecordData(
        kind="daily",
        key=day.isoformat(),
        values={
            "date": day,
            "steps": optional(item, "steps", _whole, NUMBER),
            "calories": optional(item, "calories", float, NUMBER),
            "distance_m": optional(item, "distance_from_steps", float, NUMBER),
            "active_minutes": round(active.total_seconds() / 60) if active else None,
        },
        raw=item,
    )


def physical_info(item: dict) -> RecordData | None:
    """The person's current weight (kg), dated when Polar last changed it; None without one.
    Polar keeps no history: each change Tendon sees becomes one measurement."""
    weight = optional(item, "weight", float, NUMBER)
    stamp = "modified" if item.get("modified") else "created"
    if weight is None or not item.get(stamp):
        return None
    measured = value(item, stamp, lambda text: _aware(str(text)), TIME)
    return RecordData(
        kind="body",
        key=f"physical-info-{measured.isoformat()}",
        values={"measured_at": measured, "weight_kg": weight, "bmi": None, "fat_percent": None},
        raw=item,
    )
