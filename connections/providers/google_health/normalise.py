"""Google Health API v4 data points -> Tendon records. Shapes from health.v4.json:
DataPoint (exercise, sleep, weight, bodyFat, dailyRestingHeartRate) and DailyRollupDataPoint.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from connections.providers.base import BadResponse, RecordData


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _seconds(duration: str) -> timedelta:
    return timedelta(seconds=float(duration.rstrip("s")))


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def exercise(point: dict) -> RecordData:
    body = point["exercise"]
    interval = body["interval"]
    start, end = _time(interval["startTime"]), _time(interval["endTime"])
    metrics = body.get("metricsSummary") or {}
    distance = _float(metrics.get("distanceMillimeters"))
    return RecordData(
        kind="activity",
        key=point["name"],
        values={
            "activity_type": body.get("exerciseType", "EXERCISE_TYPE_UNSPECIFIED"),
            "name": body.get("displayName", ""),
            "start": start,
            "duration": _seconds(body["activeDuration"])
            if body.get("activeDuration")
            else end - start,
            "distance_m": distance / 1000 if distance is not None else None,
            "calories": _float(metrics.get("caloriesKcal")),
            "steps": _int(metrics.get("steps")),
            "average_heart_rate": _int(metrics.get("averageHeartRateBeatsPerMinute")),
            "heart_rate_zones": _zone_minutes(metrics.get("heartRateZoneDurations") or {}),
        },
        raw=point,
    )


def _zone_minutes(durations: dict) -> dict[str, int]:
    """TimeInHeartRateZones ({"lightTime": "600s", ...}) as minutes per zone."""
    minutes = {}
    for zone in ("light", "moderate", "vigorous", "peak"):
        value = durations.get(f"{zone}Time")
        if value:
            minutes[zone] = round(_seconds(value).total_seconds() / 60)
    return minutes


def sleep(point: dict) -> RecordData:
    body = point["sleep"]
    summary = body.get("summary") or {}
    return RecordData(
        kind="sleep",
        key=point["name"],
        values={
            "start": _time(body["interval"]["startTime"]),
            "end": _time(body["interval"]["endTime"]),
            "minutes_asleep": _int(summary.get("minutesAsleep")),
            "stages": {
                s["type"].lower(): int(s.get("minutes", 0))
                for s in summary.get("stagesSummary", [])
            },
        },
        raw=point,
    )


def weight(point: dict) -> RecordData:
    body = point["weight"]
    return RecordData(
        kind="body",
        key=point["name"],
        values={
            "measured_at": _time(body["sampleTime"]["physicalTime"]),
            "weight_kg": float(body["weightGrams"]) / 1000,
            "bmi": None,
            "fat_percent": None,
        },
        raw=point,
    )


def body_fat(point: dict) -> RecordData:
    body = point["bodyFat"]
    return RecordData(
        kind="body",
        key=point["name"],
        values={
            "measured_at": _time(body["sampleTime"]["physicalTime"]),
            "weight_kg": None,
            "bmi": None,
            "fat_percent": float(body["percentage"]),
        },
        raw=point,
    )


def civil_date(value: dict) -> date:
    return date(value["year"], value["month"], value["day"])


def resting_heart_rate(point: dict) -> RecordData:
    body = point["dailyRestingHeartRate"]
    day = civil_date(body["date"])
    return RecordData(
        kind="heart_rate",
        key=day.isoformat(),
        values={"date": day, "resting_heart_rate": int(body["beatsPerMinute"])},
        raw=point,
    )


DATA_POINT = {
    "exercise": exercise,
    "sleep": sleep,
    "weight": weight,
    "body-fat": body_fat,
    "daily-resting-heart-rate": resting_heart_rate,
}


def rollup_values(data_type: str, point: dict) -> dict[str, Any]:
    """The daily-summary columns one DailyRollupDataPoint fills."""
    if data_type == "steps":
        return {"steps": int(point["steps"]["countSum"])}
    if data_type == "distance":
        return {"distance_m": float(point["distance"]["millimetersSum"]) / 1000}
    if data_type == "total-calories":
        return {"calories": float(point["totalCalories"]["kcalSum"])}
    if data_type == "active-minutes":
        levels = point["activeMinutes"].get("activeMinutesRollupByActivityLevel", [])
        return {"active_minutes": sum(int(level.get("activeMinutesSum", 0)) for level in levels)}
    raise KeyError(data_type)


def read(provider_name: str, reader, *args) -> Any:
    """The reader's result; a data point we cannot read is a BadResponse, never a crash."""
    try:
        return reader(*args)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise BadResponse(
            f"{provider_name} sent a data point we cannot read ({error!r})."
        ) from error
