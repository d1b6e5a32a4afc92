"""Deleted at the source, deleted here: a DELETE hint removes exactly what the provider dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import ConnectionEvent, ImportRun
from records.models import Activity, BodyMeasurement
from tests.conftest import GOOGLE, page_text
from tests.connections.push.conftest import HEALTH_USER_ID, notification

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"


def _session(key: str, start) -> dict:
    end = start + timedelta(minutes=40)
    return {
        "name": f"users/{HEALTH_USER_ID}/dataTypes/exercise/dataPoints/{key}",
        "exercise": {
            "exerciseType": "RUNNING",
            "displayName": f"Run {key}",
            "interval": {
                "startTime": f"{start:%Y-%m-%dT%H:%M:%SZ}",
                "endTime": f"{end:%Y-%m-%dT%H:%M:%SZ}",
            },
        },
    }


def test_a_delete_hint_removes_exactly_the_records_google_no_longer_returns(
    google_push, google_activities, http, run_tasks, run_import, user_factory, logged_in
):
    day = (timezone.now() - timedelta(days=3)).replace(hour=6, minute=0, second=0, microsecond=0)
    sessions = [_session(k, day + timedelta(hours=h)) for k, h in (("a", 0), ("b", 2), ("c", 4))]
    other = [_session("older", day - timedelta(days=2))]
    http.add("GET", EXERCISE, json={"dataPoints": sessions + other})
    run_import(google_activities)
    stranger = user_factory()  # another person whose record has the same provider key
    Activity.objects.create(
        user=stranger,
        provider="google_health",
        account_uid="someone",
        key=sessions[0]["name"],
        activity_type="RUNNING",
        start=day,
    )
    # The person deletes runs a and c at Fitbit; Google says data in that span was deleted.
    http.replace("GET", EXERCISE, json={"dataPoints": [sessions[1], *other]})

    google_push.post(
        notification(
            operation="DELETE",
            start=f"{day:%Y-%m-%dT%H:%M:%SZ}",
            end=f"{day + timedelta(hours=5):%Y-%m-%dT%H:%M:%SZ}",
        )
    )
    run_tasks()

    mine = Activity.objects.filter(user=google_activities.user)
    assert sorted(mine.values_list("name", flat=True)) == ["Run b", "Run older"]
    assert Activity.objects.filter(user=stranger).count() == 1
    event = ConnectionEvent.objects.get(kind=ConnectionEvent.Kind.DELETED)
    assert event.message == "2 records deleted at Fitbit & Pixel Watch; removed from My data too."
    text = page_text(logged_in.get(f"/connect/{google_activities.pk}/"))
    assert "2 records deleted at Fitbit & Pixel Watch" in text


def test_a_delete_hint_deletes_nothing_when_the_read_fails(
    google_push, google_activities, http, run_tasks, run_import
):
    start = timezone.now() - timedelta(days=2)
    http.add("GET", EXERCISE, json={"dataPoints": [_session("a", start)]})
    run_import(google_activities)
    http.replace("GET", EXERCISE, status=503)

    google_push.post(notification(operation="DELETE", start=f"{start:%Y-%m-%dT%H:%M:%SZ}"))
    run_tasks()

    assert ImportRun.objects.first().outcome == ImportRun.Outcome.FAILED
    assert Activity.objects.count() == 1
    assert google_activities.__class__.objects.get(pk=google_activities.pk).reread_deletes


def test_a_weigh_in_deleted_at_the_demo_provider_is_gone_from_my_data(
    demo_push,
    demo_connected,
    run_import,
    run_tasks,
    logged_in,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    # A scale used every day, so the newest weigh-in is among the week the demo's page lists
    # (the demo weighs people on two days in five: one in twenty has none in a week).
    monkeypatch.setattr("sandbox.data._weighed", lambda uid, day: True)
    body = demo_connected("body")["body"]
    run_import(body)
    weighins = BodyMeasurement.objects.filter(weight_kg__isnull=False).order_by("-measured_at")
    wrong, *kept = list(weighins.values_list("key", flat=True))
    fat_readings = set(
        BodyMeasurement.objects.filter(fat_percent__isnull=False).values_list("key", flat=True)
    )
    page = logged_in.get("/sandbox/")
    assert wrong in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post("/sandbox/data/delete/", {"data_type": "weight", "name": wrong})
    run_tasks()

    assert not BodyMeasurement.objects.filter(key=wrong).exists()
    assert set(weighins.values_list("key", flat=True)) == set(kept)
    assert (
        set(BodyMeasurement.objects.filter(fat_percent__isnull=False).values_list("key", flat=True))
        == fat_readings
    )
    text = page_text(logged_in.get(f"/connect/{body.pk}/"))
    assert "1 record deleted at Demo Health" in text
