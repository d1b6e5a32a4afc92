"""Withings measure groups and activity days -> Tendon records.

Reference: https://developer.withings.com/api-reference/#tag/measure (getmeas: meastype, value ×
10^unit; getactivity: civil dates, durations in seconds). A value that cannot be read raises
Unreadable naming it (providers/reading.py): the client sets that item aside, stores the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from connections.providers.base import RecordData
from connections.providers.reading import optional, value

WEIGHT, FAT_RATIO = 1, 6  # meastype
# A measure is value × 10^unit; real units are small (-3 for kg in grams): a huge exponent is an
# attack on our memory, not a weight.
MAX_UNIT_EXPONENT = 30
NUMBER = "a number"


def _exponent(unit: Any) -> int:
    exponent = int(unit)
    if abs(exponent) > MAX_UNIT_EXPONENT:
        raise ValueError(f"unit exponent {exponent} is out of range")
    return exponent


def _scaled(measure: dict) -> float:
    """value × 10^unit (Withings' fixed-point numbers), refusing exponents no scale uses."""
    unit = value(measure, "unit", _exponent, "a unit exponent")
    return value(measure, "value", float, NUMBER) * 10.0**unit


def _moment(epoch: Any) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def _civil_day(text: Any) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()


def measure_group(group: dict) -> RecordData:
    """One measure group (getmeas): a weighing, with the fat ratio when the scale gave it."""
    values = {m["type"]: _scaled(m) for m in group["measures"]}
    return RecordData(
        kind="body",
        key=str(group["grpid"]),
        values={
            "measured_at": value(group, "date", _moment, "a time"),
            "weight_kg": values.get(WEIGHT),
            "bmi": None,
            "fat_percent": values.get(FAT_RATIO),
        },
        raw=group,
    )


def activity_day(day: dict) -> RecordData:
    """One day of activity (getactivity); moderate and intense seconds are its active time."""
    moderate = optional(day, "moderate", float, NUMBER) or 0
    intense = optional(day, "intense", float, NUMBER) or 0
    civil_day = value(day, "date", _civil_day, "a date")
    return RecordData(
        kind="daily",
        key=civil_day.isoformat(),
        values={
            "date": civil_day,
            "steps": day.get("steps"),
            "calories": day.get("totalcalories"),
            "distance_m": day.get("distance"),
            "active_minutes": int((moderate + intense) // 60),
        },
        raw=day,
    )
