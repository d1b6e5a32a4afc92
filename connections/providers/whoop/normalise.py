"""WHOOP API v2 records -> Tendon records. Shapes and units from WHOOP's OpenAPI document
(https://developer.whoop.com/api): energy in kilojoules (stored as kilocalories, like every other
provider), durations in milliseconds, heart rate in beats per minute, distances in metres.

A record WHOOP has not scored yet (`PENDING_SCORE`) or cannot score (`UNSCORABLE`) has no
`score`: it is stored with what it has, and updated when the import's trailing window reads it
again scored.

A value that cannot be read raises Unreadable naming it (providers/reading.py): the client sets
that record (or day) aside and stores the rest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from connections.providers.base import RecordData
from connections.providers.reading import optional, value

KJ_PER_KCAL = 4.184
# WHOOP's six zones (ZoneDurations, % of max heart rate: 0 <50, 1 50-60, 2 60-70, 3 70-80,
# 4 80-90, 5 90-100) folded into Tendon's four chart zones; zone zero is not exercise.
ZONES = {
    "zone_one_milli": "light",
    "zone_two_milli": "light",
    "zone_three_milli": "moderate",
    "zone_four_milli": "vigorous",
    "zone_five_milli": "peak",
}
STAGES = {  # SleepStageSummary (milliseconds) -> Tendon's stage names
    "deep": "total_slow_wave_sleep_time_milli",
    "light": "total_light_sleep_time_milli",
    "rem": "total_rem_sleep_time_milli",
    "awake": "total_awake_time_milli",
}
# WHOOP's day (a cycle) starts when the person falls asleep; it is filed under the day its
# waking hours fall on: its start plus 12 hours, in its own time zone. WHOOP says nothing here.
DAY_SHIFT = timedelta(hours=12)
TIME, NUMBER = "a time", "a number"


def moment(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def kcal(kilojoules: Any) -> float:
    return float(kilojoules) / KJ_PER_KCAL


def _minutes(milliseconds: Any) -> int:
    return round(float(milliseconds) / 60_000)


def _offset(value: Any) -> timezone:
    """ "+hh:mm", "-hh:mm" or "Z" as a time zone."""
    text = str(value or "Z")
    if text == "Z":
        return UTC
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def workout(record: dict) -> RecordData:
    """A WorkoutV2."""
    score = record.get("score") or {}
    start, end = value(record, "start", moment, TIME), value(record, "end", moment, TIME)
    zones: dict[str, int] = {}
    for field, zone in ZONES.items():
        minutes = optional(score.get("zone_durations") or {}, field, _minutes, NUMBER)
        if minutes:
            zones[zone] = zones.get(zone, 0) + minutes
    sport = str(record["sport_name"])
    return RecordData(
        kind="activity",
        key=str(record["id"]),
        values={
            "activity_type": sport,
            "name": sport.replace("_", " ").capitalize(),
            "start": start,
            "duration": end - start if end >= start else None,
            "distance_m": score.get("distance_meter"),  # metres
            "calories": optional(score, "kilojoule", kcal, NUMBER),
            "steps": None,
            "average_heart_rate": score.get("average_heart_rate"),  # bpm
            "heart_rate_zones": {z: m for z, m in zones.items() if m},
        },
        raw=record,
    )


def sleep(record: dict) -> RecordData:
    """A Sleep (naps included: they are sleep too)."""
    summary = (record.get("score") or {}).get("stage_summary") or {}
    stages = {
        stage: value(summary, field, _minutes, NUMBER)
        for stage, field in STAGES.items()
        if field in summary
    }
    asleep = (
        stages["deep"] + stages["light"] + stages["rem"]
        if all(s in stages for s in ("deep", "light", "rem"))
        else None
    )
    return RecordData(
        kind="sleep",
        key=str(record["id"]),
        values={
            "start": value(record, "start", moment, TIME),
            "end": value(record, "end", moment, TIME),
            "minutes_asleep": asleep,
            "stages": stages,
        },
        raw=record,
    )


def cycle_day(cycle: dict) -> date:
    offset = optional(cycle, "timezone_offset", _offset, "a UTC offset") or UTC
    local = value(cycle, "start", moment, TIME).astimezone(offset)
    return (local + DAY_SHIFT).date()


def daily(day: date, cycles: list[dict], recoveries: dict) -> list[RecordData]:
    """A day from the cycles filed under it (usually one; a day slept twice has two) and their
    recoveries (by cycle id): the daily summary, and the resting heart rate of the day's first
    scored recovery."""
    cycles = sorted(cycles, key=lambda c: moment(c["start"]))
    matched = [recoveries[c["id"]] for c in cycles if c.get("id") in recoveries]
    raw = {"cycles": cycles, "recoveries": matched}
    records = [
        RecordData(kind="daily", key=day.isoformat(), values=daily_values(day, raw), raw=raw)
    ]
    scored = [r for r in matched if (r.get("score") or {}).get("resting_heart_rate") is not None]
    if scored:
        records.append(
            RecordData(
                kind="heart_rate",
                key=day.isoformat(),
                values={
                    "date": day,
                    "resting_heart_rate": round(
                        value(scored[0]["score"], "resting_heart_rate", float, NUMBER)
                    ),
                },
                raw={"recovery": scored[0]},
            )
        )
    return records


def daily_values(day: date, raw: dict) -> dict[str, Any]:
    """The daily summary's columns, read from its payload ({"cycles": [...], "recoveries":
    [...]}, in the day's order): the same reading for a day just fetched and for one stored
    before a column existed. Energy adds up over the day's cycles; strain (0-21, logarithmic)
    does not, so the day keeps its highest; recovery and heart rate variability are the first
    scored recovery's (the morning's)."""
    cycles = [c.get("score") or {} for c in raw["cycles"]]
    energy = [value(score, "kilojoule", kcal, NUMBER) for score in cycles if score]
    strains = [optional(score, "strain", float, NUMBER) for score in cycles]
    strains = [strain for strain in strains if strain is not None]
    recovered = [
        r["score"]
        for r in raw["recoveries"]
        if (r.get("score") or {}).get("recovery_score") is not None
    ]
    recovery = recovered[0] if recovered else {}
    return {
        "date": day,
        "steps": None,
        "calories": sum(energy) if energy else None,
        "distance_m": None,
        "active_minutes": None,
        "strain": max(strains) if strains else None,
        "recovery_score": optional(recovery, "recovery_score", float, NUMBER),  # per cent
        "hrv_ms": optional(recovery, "hrv_rmssd_milli", float, NUMBER),  # RMSSD, milliseconds
    }


def body(measurement: dict, *, seen_at: datetime) -> RecordData:
    """A UserBodyMeasurement. WHOOP gives no time: a weight is stored when Tendon first sees
    it (its key is the measurement itself, so an unchanged one is not stored again)."""
    weight = value(measurement, "weight_kilogram", float, NUMBER)
    height = value(measurement, "height_meter", float, NUMBER)
    return RecordData(
        kind="body",
        key=f"weight-{weight:.4f}kg-height-{height:.4f}m",
        values={
            "measured_at": seen_at,
            "weight_kg": weight,  # kilograms
            "bmi": round(weight / height**2, 1) if height > 0 else None,
            "fat_percent": None,
        },
        raw=measurement,
    )
