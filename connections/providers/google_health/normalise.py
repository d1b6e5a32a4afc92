"""Google Health API v4 data points -> Tendon records. Shapes from health.v4.json:
DataPoint (exercise, sleep, weight, bodyFat, dailyRestingHeartRate) and DailyRollupDataPoint.

A value that cannot be read raises Unreadable naming it (providers/reading.py): the client sets
that data point aside and stores the rest of the page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from connections.providers.base import RecordData
from connections.providers.reading import Unreadable, optional, optional_part, part, value

TIME, DURATION, NUMBER = "a time", "a duration", "a number"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seconds(duration: str) -> timedelta:
    return timedelta(seconds=float(duration.rstrip("s")))


def _interval(body: dict) -> tuple[datetime, datetime]:
    interval = part(body, "interval")
    return value(interval, "startTime", _time, TIME), value(interval, "endTime", _time, TIME)


def _sample_time(body: dict) -> datetime:
    return value(part(body, "sampleTime"), "physicalTime", _time, TIME)


def exercise(point: dict) -> RecordData:
    body = part(point, "exercise")
    start, end = _interval(body)
    metrics = optional_part(body, "metricsSummary")
    distance = optional(metrics, "distanceMillimeters", float, NUMBER)
    return RecordData(
        kind="activity",
        key=point["name"],
        values={
            "activity_type": body.get("exerciseType", "EXERCISE_TYPE_UNSPECIFIED"),
            "name": body.get("displayName", ""),
            "start": start,
            "duration": value(body, "activeDuration", _seconds, DURATION)
            if body.get("activeDuration")
            else end - start,
            "distance_m": distance / 1000 if distance is not None else None,
            "calories": optional(metrics, "caloriesKcal", float, NUMBER),
            "steps": optional(metrics, "steps", int, NUMBER),
            "average_heart_rate": optional(metrics, "averageHeartRateBeatsPerMinute", int, NUMBER),
            "heart_rate_zones": _zone_minutes(optional_part(metrics, "heartRateZoneDurations")),
        },
        raw=point,
    )


def _zone_minutes(durations: dict) -> dict[str, int]:
    """TimeInHeartRateZones ({"lightTime": "600s", ...}) as minutes per zone."""
    minutes = {}
    for zone in ("light", "moderate", "vigorous", "peak"):
        seconds = optional(durations, f"{zone}Time", _seconds, DURATION)
        if seconds is not None:
            minutes[zone] = round(seconds.total_seconds() / 60)
    return minutes


def sleep(point: dict) -> RecordData:
    body = part(point, "sleep")
    summary = optional_part(body, "summary")
    start, end = _interval(body)
    return RecordData(
        kind="sleep",
        key=point["name"],
        values={
            "start": start,
            "end": end,
            "minutes_asleep": optional(summary, "minutesAsleep", int, NUMBER),
            "stages": {
                s["type"].lower(): value({"minutes": 0, **s}, "minutes", int, NUMBER)
                for s in summary.get("stagesSummary", [])
            },
        },
        raw=point,
    )


def weight(point: dict) -> RecordData:
    body = part(point, "weight")
    return RecordData(
        kind="body",
        key=point["name"],
        values={
            "measured_at": _sample_time(body),
            "weight_kg": value(body, "weightGrams", float, NUMBER) / 1000,
            "bmi": None,
            "fat_percent": None,
        },
        raw=point,
    )


def body_fat(point: dict) -> RecordData:
    body = part(point, "bodyFat")
    return RecordData(
        kind="body",
        key=point["name"],
        values={
            "measured_at": _sample_time(body),
            "weight_kg": None,
            "bmi": None,
            "fat_percent": value(body, "percentage", float, NUMBER),
        },
        raw=point,
    )


def civil_date(civil: dict) -> date:
    """A google.type.Date ({"year", "month", "day"})."""
    numbers = [value(civil, name, int, NUMBER) for name in ("year", "month", "day")]
    try:
        return date(*numbers)
    except ValueError as error:
        raise Unreadable("date is not a date") from error


def resting_heart_rate(point: dict) -> RecordData:
    body = part(point, "dailyRestingHeartRate")
    day = civil_date(part(body, "date"))
    return RecordData(
        kind="heart_rate",
        key=day.isoformat(),
        values={"date": day, "resting_heart_rate": value(body, "beatsPerMinute", int, NUMBER)},
        raw=point,
    )


DATA_POINT = {
    "exercise": exercise,
    "sleep": sleep,
    "weight": weight,
    "body-fat": body_fat,
    "daily-resting-heart-rate": resting_heart_rate,
}
KIND = {  # the kind of record each data type becomes
    "exercise": "activity",
    "sleep": "sleep",
    "weight": "body",
    "body-fat": "body",
    "daily-resting-heart-rate": "heart_rate",
}


def rollup_day(point: dict) -> date:
    """The civil day a DailyRollupDataPoint sums up."""
    return civil_date(part(part(point, "civilStartTime"), "date"))


def rollup_values(data_type: str, point: dict) -> dict[str, Any]:
    """The daily-summary columns one DailyRollupDataPoint fills."""
    if data_type == "steps":
        return {"steps": value(part(point, "steps"), "countSum", int, NUMBER)}
    if data_type == "distance":
        millimetres = value(part(point, "distance"), "millimetersSum", float, NUMBER)
        return {"distance_m": millimetres / 1000}
    if data_type == "total-calories":
        return {"calories": value(part(point, "totalCalories"), "kcalSum", float, NUMBER)}
    if data_type == "active-minutes":
        levels = part(point, "activeMinutes").get("activeMinutesRollupByActivityLevel", [])
        return {
            "active_minutes": sum(
                value({"activeMinutesSum": 0, **level}, "activeMinutesSum", int, NUMBER)
                for level in levels
            )
        }
    raise KeyError(data_type)
