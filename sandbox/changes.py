"""The demo account's own changes on top of the generated data: add a workout, delete a point."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from sandbox import data
from sandbox.identity import health_user_id
from sandbox.models import DemoPoint

LISTED = ("exercise", "weight")  # what the demo's page lets a person delete


def points(person, data_type: str, first: date, last: date) -> list[dict]:
    """Every data point of data_type for days first..last (inclusive), with the person's
    additions and without what they deleted, oldest first."""
    uid = health_user_id(person)
    changes = list(DemoPoint.objects.filter(person=person, data_type=data_type))
    deleted = {c.name for c in changes if c.deleted}
    result = [p for p in data.data_points(uid, data_type, first, last) if p["name"] not in deleted]
    for change in changes:
        if change.deleted:
            continue
        day = data_point_time(change.point).date()
        if first <= day <= last:
            result.append(change.point)
    return sorted(result, key=data_point_time)


def data_point_time(point: dict) -> datetime:
    """When a point happened (its start or its sample time)."""
    body = next(v for k, v in point.items() if k not in ("name", "dataSource"))
    if "interval" in body:
        value = body["interval"]["startTime"]
    elif "sampleTime" in body:
        value = body["sampleTime"]["physicalTime"]
    else:
        d = body["date"]
        return datetime(d["year"], d["month"], d["day"], tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def data_point_interval(point: dict) -> tuple[datetime, datetime]:
    body = next(v for k, v in point.items() if k not in ("name", "dataSource"))
    start = data_point_time(point)
    if "interval" in body:
        return start, datetime.fromisoformat(body["interval"]["endTime"].replace("Z", "+00:00"))
    return start, start


def add_workout(person, *, now: datetime | None = None) -> dict:
    """A 40-minute run that ended five minutes ago, stored for the person; returns the point."""
    now = (now or timezone.now()).replace(microsecond=0)
    end = now - timedelta(minutes=5)
    start = end - timedelta(minutes=40)
    uid = health_user_id(person)
    name = f"users/{uid}/dataTypes/exercise/dataPoints/ex-added-{uuid.uuid4().hex[:12]}"
    point = data.exercise_point(name=name, kind="RUNNING", label="Quick run", start=start, end=end)
    DemoPoint.objects.create(person=person, data_type="exercise", name=name, point=point)
    return point


def delete_point(person, *, data_type: str, name: str) -> dict | None:
    """Deletes one of the person's points (generated or added); returns it, or None."""
    if data_type not in LISTED:
        return None
    today = timezone.now().date()
    found = next(
        (
            p
            for p in points(person, data_type, today - timedelta(days=31), today)
            if p["name"] == name
        ),
        None,
    )
    if found is None:
        return None
    DemoPoint.objects.update_or_create(
        person=person,
        name=name,
        defaults={"data_type": data_type, "point": {}, "deleted": True},
    )
    return found


def recent(person, *, days: int = 7) -> list[tuple[str, dict]]:
    """The person's workouts and weigh-ins of the last days, newest first, for the page."""
    today = timezone.now().date()
    now = timezone.now()
    listed = [
        (data_type, point)
        for data_type in LISTED
        for point in points(person, data_type, today - timedelta(days=days - 1), today)
        if data_point_time(point) <= now
    ]
    return sorted(listed, key=lambda item: data_point_time(item[1]), reverse=True)
