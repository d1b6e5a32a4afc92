"""Deterministic synthetic health data in Google Health API v4 shapes (health.v4.json).

The same account and day always give the same data points, so imports can be compared run to run.
Nothing here is stored: every answer is computed from (healthUserId, date).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

DATA_TYPES = ("exercise", "sleep", "weight", "body-fat", "daily-resting-heart-rate", "steps")
ROLLUP_TYPES = ("steps", "distance", "total-calories", "active-minutes")
FIRST_DAY = date(2024, 1, 1)  # the demo account's history starts here
EXERCISES = [
    ("RUNNING", "Running"),
    ("WALKING", "Walking"),
    ("BIKING", "Biking"),
    ("HIKING", "Hiking"),
]
DEVICE = {"displayName": "Demo Watch", "formFactor": "WATCH", "manufacturer": "Tendon"}


def _rng(uid: str, day: date, salt: str) -> random.Random:
    seed = hashlib.sha256(f"{uid}:{day.isoformat()}:{salt}".encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))  # noqa: S311 - synthetic data, not crypto


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _civil(moment: datetime) -> dict:
    return {
        "date": {"year": moment.year, "month": moment.month, "day": moment.day},
        "time": {"hours": moment.hour, "minutes": moment.minute, "seconds": moment.second},
    }


def _source(method: str = "PASSIVELY_MEASURED") -> dict:
    return {"platform": "FITBIT", "recordingMethod": method, "device": DEVICE}


def _session_interval(start: datetime, end: datetime) -> dict:
    return {
        "startTime": _ts(start),
        "endTime": _ts(end),
        "startUtcOffset": "0s",
        "endUtcOffset": "0s",
        "civilStartTime": _civil(start),
        "civilEndTime": _civil(end),
    }


def _at(day: date, hours: int, minutes: int) -> datetime:
    return datetime.combine(day, time(hours, minutes), tzinfo=UTC)


def exercise(uid: str, day: date) -> dict | None:
    rng = _rng(uid, day, "exercise")
    if rng.random() > 0.6:
        return None
    kind, name = rng.choice(EXERCISES)
    start = _at(day, 6 + rng.randint(0, 12), rng.randint(0, 59))
    minutes = rng.randint(20, 90)
    return exercise_point(
        name=f"users/{uid}/dataTypes/exercise/dataPoints/ex-{day:%Y%m%d}",
        kind=kind,
        label=name,
        start=start,
        end=start + timedelta(minutes=minutes),
        kcal_per_minute=rng.uniform(6, 11),
        heart_rate=rng.randint(105, 160),
    )


def exercise_point(
    *,
    name: str,
    kind: str,
    label: str,
    start: datetime,
    end: datetime,
    kcal_per_minute: float = 9.0,
    heart_rate: int = 142,
) -> dict:
    """One exercise DataPoint (health.v4.json Exercise) for a session from start to end."""
    minutes = int((end - start).total_seconds() // 60)
    metres = {"RUNNING": 170, "WALKING": 85, "BIKING": 400, "HIKING": 70}[kind] * minutes
    return {
        "name": name,
        "dataSource": _source("ACTIVELY_MEASURED"),
        "exercise": {
            "exerciseType": kind,
            "displayName": label,
            "interval": _session_interval(start, end),
            "activeDuration": f"{minutes * 60}s",
            "metricsSummary": {
                "caloriesKcal": round(minutes * kcal_per_minute, 1),
                "distanceMillimeters": float(metres * 1000),
                "steps": str(0 if kind == "BIKING" else int(metres / 0.8)),
                "averageHeartRateBeatsPerMinute": str(heart_rate),
                "heartRateZoneDurations": _zone_durations(random.Random(name), minutes),  # noqa: S311
            },
            "createTime": _ts(end),
            "updateTime": _ts(end),
        },
    }


def _zone_durations(rng: random.Random, minutes: int) -> dict:
    """TimeInHeartRateZones: the workout's minutes shared out between the four zones."""
    light = rng.randint(0, minutes // 3)
    moderate = rng.randint(0, (minutes - light) // 2)
    vigorous = rng.randint(0, minutes - light - moderate)
    peak = minutes - light - moderate - vigorous
    return {
        "lightTime": f"{light * 60}s",
        "moderateTime": f"{moderate * 60}s",
        "vigorousTime": f"{vigorous * 60}s",
        "peakTime": f"{peak * 60}s",
    }


def sleep(uid: str, day: date) -> dict:
    """The night that ends on the morning of `day`."""
    rng = _rng(uid, day, "sleep")
    start = _at(day - timedelta(days=1), 22, 0) + timedelta(minutes=rng.randint(0, 90))
    stages, cursor = [], start
    minutes_by_stage = {"LIGHT": 0, "DEEP": 0, "REM": 0, "AWAKE": 0}
    for _ in range(rng.randint(8, 12)):
        stage = rng.choices(["LIGHT", "DEEP", "REM", "AWAKE"], weights=[50, 20, 22, 8])[0]
        length = rng.randint(10, 55)
        stages.append(
            {
                "type": stage,
                "startTime": _ts(cursor),
                "endTime": _ts(cursor + timedelta(minutes=length)),
                "startUtcOffset": "0s",
                "endUtcOffset": "0s",
            }
        )
        minutes_by_stage[stage] += length
        cursor += timedelta(minutes=length)
    asleep = sum(v for k, v in minutes_by_stage.items() if k != "AWAKE")
    return {
        "name": f"users/{uid}/dataTypes/sleep/dataPoints/sl-{day:%Y%m%d}",
        "dataSource": _source(),
        "sleep": {
            "type": "STAGES",
            "interval": _session_interval(start, cursor),
            "stages": stages,
            "metadata": {"mainSleep": True, "processed": True, "nap": False},
            "summary": {
                "minutesAsleep": str(asleep),
                "minutesAwake": str(minutes_by_stage["AWAKE"]),
                "minutesInSleepPeriod": str(asleep + minutes_by_stage["AWAKE"]),
                "stagesSummary": [
                    {"type": k, "minutes": str(v), "count": "1"}
                    for k, v in minutes_by_stage.items()
                ],
            },
            "createTime": _ts(cursor),
            "updateTime": _ts(cursor),
        },
    }


def _weighed(uid: str, day: date) -> bool:
    return _rng(uid, day, "weighed").random() < 0.4


def _weigh_in(uid: str, day: date) -> datetime:
    """A smart scale measures weight and body fat in one go: both points share this moment."""
    return _at(day, 7, _rng(uid, day, "weigh-in").randint(0, 30))


def weight(uid: str, day: date) -> dict | None:
    if not _weighed(uid, day):
        return None
    rng = _rng(uid, day, "weight")
    moment = _weigh_in(uid, day)
    grams = 72000 + (day - FIRST_DAY).days % 60 * 15 + rng.randint(-400, 400)
    return {
        "name": f"users/{uid}/dataTypes/weight/dataPoints/wt-{day:%Y%m%d}",
        "dataSource": _source("MANUAL"),
        "weight": {
            "weightGrams": float(grams),
            "sampleTime": {
                "physicalTime": _ts(moment),
                "utcOffset": "0s",
                "civilTime": _civil(moment),
            },
        },
    }


def body_fat(uid: str, day: date) -> dict | None:
    if not _weighed(uid, day):
        return None
    rng = _rng(uid, day, "body-fat")
    moment = _weigh_in(uid, day)
    return {
        "name": f"users/{uid}/dataTypes/body-fat/dataPoints/bf-{day:%Y%m%d}",
        "dataSource": _source("MANUAL"),
        "bodyFat": {
            "percentage": round(rng.uniform(17, 22), 1),
            "sampleTime": {
                "physicalTime": _ts(moment),
                "utcOffset": "0s",
                "civilTime": _civil(moment),
            },
        },
    }


def resting_heart_rate(uid: str, day: date) -> dict:
    rng = _rng(uid, day, "rhr")
    return {
        "name": f"users/{uid}/dataTypes/daily-resting-heart-rate/dataPoints/rhr-{day:%Y%m%d}",
        "dataSource": _source("DERIVED"),
        "dailyRestingHeartRate": {
            "date": {"year": day.year, "month": day.month, "day": day.day},
            "beatsPerMinute": str(rng.randint(52, 64)),
        },
    }


def daily_steps(uid: str, day: date) -> int:
    return _rng(uid, day, "steps").randint(3000, 16000)


def steps(uid: str, day: date) -> dict:
    """The day's steps as one interval data point (the real API has finer intervals)."""
    start = _at(day, 0, 0)
    end = start + timedelta(days=1)
    return {
        "name": f"users/{uid}/dataTypes/steps/dataPoints/st-{day:%Y%m%d}",
        "dataSource": _source(),
        "steps": {
            "count": str(daily_steps(uid, day)),
            "interval": {
                "startTime": _ts(start),
                "endTime": _ts(end),
                "startUtcOffset": "0s",
                "endUtcOffset": "0s",
                "civilStartTime": _civil(start),
                "civilEndTime": _civil(end),
            },
        },
    }


GENERATORS = {
    "exercise": exercise,
    "sleep": sleep,
    "weight": weight,
    "body-fat": body_fat,
    "daily-resting-heart-rate": resting_heart_rate,
    "steps": steps,
}


def data_points(uid: str, data_type: str, first: date, last: date) -> Iterator[dict]:
    """Every data point of data_type for the days first..last (inclusive), oldest first."""
    day = max(first, FIRST_DAY)
    while day <= last:
        point = GENERATORS[data_type](uid, day)
        if point is not None:
            yield point
        day += timedelta(days=1)


def daily_rollup(uid: str, data_type: str, day: date) -> dict:
    """One DailyRollupDataPoint for data_type on day."""
    count = daily_steps(uid, day)
    rng = _rng(uid, day, "rollup")
    values = {
        "steps": {"steps": {"countSum": str(count)}},
        "distance": {"distance": {"millimetersSum": str(int(count * 780))}},
        "total-calories": {"totalCalories": {"kcalSum": round(1700 + count * 0.045, 1)}},
        "active-minutes": {
            "activeMinutes": {
                "activeMinutesRollupByActivityLevel": [
                    {"activityLevel": "MODERATE", "activeMinutesSum": str(rng.randint(5, 40))},
                    {"activityLevel": "VIGOROUS", "activeMinutesSum": str(rng.randint(0, 30))},
                ]
            }
        },
    }[data_type]
    start = _at(day, 0, 0)
    return {
        "civilStartTime": _civil(start),
        "civilEndTime": _civil(start + timedelta(days=1)),
        **values,
    }
