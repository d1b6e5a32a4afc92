"""Polar AccessLink v3 replies -> Tendon records, with Polar's units made Tendon's.

Shapes and units: https://www.polar.com/accesslink-api/ (schemas exerciseHashId, sleep,
nightly-recharge, activity-summary-with-all-samples) and swagger.yaml ("Physical info").
Durations are ISO 8601 ("PT45M30S") or seconds (sleep); distances metres; energy kilocalories.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from django.utils.dateparse import parse_duration

from connections.providers.base import BadResponse, RecordData


def _duration(value: Any) -> timedelta | None:
    """An ISO 8601 duration ("PT2H44M"); None when absent."""
    if value in (None, ""):
        return None
    duration = parse_duration(str(value))
    if duration is None:
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    return duration


def _float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else round(float(value))


def _minutes(seconds: Any) -> int:
    return round(float(seconds or 0) / 60)


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def exercise(item: dict) -> RecordData:
    """One training session. start_time is the training computer's local time with its UTC
    offset in minutes beside it; duration ISO 8601; distance metres; calories kcal."""
    offset = item.get("start_time_utc_offset")
    local = datetime.fromisoformat(item["start_time"])
    zone = timezone(timedelta(minutes=int(offset))) if offset is not None else UTC
    heart_rate = item.get("heart_rate") or {}
    sport = str(item.get("detailed_sport_info") or item.get("sport") or "OTHER")
    return RecordData(
        kind="activity",
        key=str(item["id"]),
        values={
            "activity_type": sport,
            "name": sport.replace("_", " ").capitalize(),  # Polar gives sessions no title
            "start": local.replace(tzinfo=zone) if local.tzinfo is None else local,
            "duration": _duration(item.get("duration")),
            "distance_m": _float(item.get("distance")),
            "calories": _float(item.get("calories")),
            "steps": None,
            "average_heart_rate": _int(heart_rate.get("average")),
            "heart_rate_zones": {},
        },
        raw=item,
    )


def sleep(item: dict) -> RecordData:
    """One night. Stage durations come in seconds; asleep = light + deep + REM (Polar does not
    say which sum it calls actual sleep; its unrecognised stage is kept apart)."""
    stages = {
        "light": _minutes(item.get("light_sleep")),
        "deep": _minutes(item.get("deep_sleep")),
        "rem": _minutes(item.get("rem_sleep")),
        "awake": _minutes(item.get("total_interruption_duration")),
    }
    if item.get("unrecognized_sleep_stage"):
        stages["unknown"] = _minutes(item["unrecognized_sleep_stage"])
    asleep = sum(float(item.get(k) or 0) for k in ("light_sleep", "deep_sleep", "rem_sleep"))
    return RecordData(
        kind="sleep",
        key=date.fromisoformat(item["date"]).isoformat(),
        values={
            "start": _aware(item["sleep_start_time"]),
            "end": _aware(item["sleep_end_time"]),
            "minutes_asleep": round(asleep / 60),
            "stages": stages,
        },
        raw=item,
    )


def nightly_recharge(item: dict) -> RecordData:
    """One night's recovery. Polar reports no resting heart rate; the night's average heart
    rate (bpm) is the closest measure. HRV and breathing rate stay in the raw payload."""
    day = date.fromisoformat(item["date"])
    return RecordData(
        kind="heart_rate",
        key=day.isoformat(),
        values={"date": day, "resting_heart_rate": _int(item.get("heart_rate_avg"))},
        raw=item,
    )


def activity_day(item: dict) -> RecordData:
    """One day's activity. The summary carries no date of its own: its start_time's date is
    the day (it begins at 00:00 of that day). calories kcal (BMR included); distance metres."""
    day = date.fromisoformat(str(item["start_time"])[:10])
    active = _duration(item.get("active_duration"))
    return RecordData(
        kind="daily",
        key=day.isoformat(),
        values={
            "date": day,
            "steps": _int(item.get("steps")),
            "calories": _float(item.get("calories")),
            "distance_m": _float(item.get("distance_from_steps")),
            "active_minutes": round(active.total_seconds() / 60) if active else None,
        },
        raw=item,
    )


def physical_info(item: dict) -> RecordData | None:
    """The person's current weight (kg), dated when Polar last changed it; None without one.
    Polar keeps no history: each change Tendon sees becomes one measurement."""
    weight = _float(item.get("weight"))
    stamp = item.get("modified") or item.get("created")
    if weight is None or not stamp:
        return None
    measured = _aware(str(stamp))
    return RecordData(
        kind="body",
        key=f"physical-info-{measured.isoformat()}",
        values={"measured_at": measured, "weight_kg": weight, "bmi": None, "fat_percent": None},
        raw=item,
    )


def read(provider_name: str, reader, item: Any) -> Any:
    """The reader's result; an item we cannot read is a BadResponse, never a crash."""
    try:
        return reader(item)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise BadResponse(f"{provider_name} sent a record we cannot read ({error!r}).") from error
