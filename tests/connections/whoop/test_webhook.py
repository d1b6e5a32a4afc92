"""Push from WHOOP: signed events, recovery events that name their sleep, and every refusal."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, ImportRun, WebhookHint
from connections.providers.whoop.webhook import signature
from records.models import Activity
from tests.conftest import fixture_json, snapshot
from tests.connections.whoop.conftest import CYCLES, RECOVERIES, SECRET, SLEEPS, WORKOUTS

pytestmark = pytest.mark.django_db
EVENT = fixture_json("whoop", "webhook_workout_updated")


def _nothing_changed(before: dict) -> None:
    assert snapshot() == before
    assert ImportRun.objects.count() == 0
    assert Connection.objects.filter(claimed_until__isnull=False).count() == 0


def _refusals() -> list[str]:
    return list(WebhookHint.objects.filter(outcome="refused").values_list("reason", flat=True))


def test_our_signature_is_whoops_documented_one():
    example = fixture_json("whoop", "webhook_signed_example")
    headers = example["headers"]

    given = signature(SECRET, headers["X-WHOOP-Signature-Timestamp"], example["raw_body"].encode())

    assert given == headers["X-WHOOP-Signature"]


def test_a_signed_event_starts_an_import_that_stores_the_workout(
    whoop_push, whoop_connected, http, run_tasks
):
    http.add("GET", WORKOUTS, json=fixture_json("whoop", "workout_page2"))

    response = whoop_push(EVENT)

    assert response.status_code == 204
    run = ImportRun.objects.get(connection=whoop_connected["activities"])
    run_tasks()
    run.refresh_from_db()
    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 1)
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason, hint.data_type) == ("accepted", "queued", "workout.updated")


def test_a_recovery_event_makes_the_daily_summary_due(whoop_push, whoop_connected):
    response = whoop_push(fixture_json("whoop", "webhook_recovery_updated"))

    assert response.status_code == 204
    assert ImportRun.objects.get().connection_id == whoop_connected["daily"].pk


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sign": "Yst1CTLsj7xVg6roQjnFH9W5P8milvCOjvCn6GPB7kE="}, "bad_signature"),
        ({"sign": ""}, "no_signature"),
        ({"timestamp": int((time.time() - 600) * 1000)}, "stale_timestamp"),
        ({"timestamp": int((time.time() + 600) * 1000)}, "stale_timestamp"),
        ({"timestamp": int(time.time())}, "stale_timestamp"),  # seconds: WHOOP sends ms
    ],
    ids=["bad-signature", "no-signature", "old", "future", "seconds-not-milliseconds"],
)
def test_an_event_that_does_not_prove_its_origin_and_age_is_refused(
    whoop_push, whoop_connected, change, reason
):
    before = snapshot()

    response = whoop_push(EVENT, **change)

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == [reason]


def test_whoops_own_signed_example_is_refused_as_too_old(whoop_push, whoop_connected):
    example = fixture_json("whoop", "webhook_signed_example")
    before = snapshot()

    response = whoop_push(
        None,
        body=example["raw_body"].encode(),
        timestamp=example["headers"]["X-WHOOP-Signature-Timestamp"],
        sign=example["headers"]["X-WHOOP-Signature"],
    )

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == ["stale_timestamp"]


def test_a_body_changed_after_signing_is_refused(whoop_push, whoop_connected):
    stamp = str(int(time.time() * 1000))
    signed = signature(SECRET, stamp, json.dumps(EVENT).encode())
    before = snapshot()

    response = whoop_push(
        None, body=json.dumps({**EVENT, "user_id": 1}).encode(), timestamp=stamp, sign=signed
    )

    assert response.status_code == 401
    _nothing_changed(before)


def test_an_event_for_an_unknown_member_is_answered_and_changes_nothing(
    whoop_push, whoop_connected
):
    before = snapshot()

    response = whoop_push(fixture_json("whoop", "webhook_unknown_user"))

    assert response.status_code == 204  # anything else makes WHOOP retry
    _nothing_changed(before)
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason) == ("ignored", "unknown_account")


def test_a_signed_body_that_is_not_an_event_is_refused(whoop_push, whoop_connected):
    before = snapshot()

    response = whoop_push(None, body=b"[1, 2, 3]")

    assert response.status_code == 400
    _nothing_changed(before)
    assert _refusals() == ["bad_shape"]


def test_push_is_off_while_whoop_is_not_set_up(webhook_post):
    assert webhook_post("whoop", json.dumps(EVENT).encode()).status_code == 404


def test_the_door_takes_only_post(whoop_push):
    assert Client().get("/webhooks/whoop/").status_code == 405


def test_a_deleted_workout_is_removed_from_my_data(
    whoop_push, whoop_connected, http, run_tasks, run_import
):
    gone = fixture_json("whoop", "workout_page2")["records"][0]  # webhook_workout_deleted's id
    start = (timezone.now() - timedelta(days=9)).replace(microsecond=0)  # before the overlap
    gone["start"] = start.isoformat()
    gone["end"] = (start + timedelta(minutes=45)).isoformat()
    kept = {**gone, "id": "kept-workout", "start": (start + timedelta(hours=3)).isoformat()}
    kept["end"] = (start + timedelta(hours=4)).isoformat()
    http.add("GET", WORKOUTS, json={"records": [gone, kept]})
    run_import(whoop_connected["activities"])
    http.replace("GET", WORKOUTS, json={"records": [kept]})

    response = whoop_push(fixture_json("whoop", "webhook_workout_deleted"))
    run_tasks()

    assert response.status_code == 204
    assert list(Activity.objects.values_list("key", flat=True)) == ["kept-workout"]
    event = ConnectionEvent.objects.get(kind=ConnectionEvent.Kind.DELETED)
    assert event.message == "1 record deleted at WHOOP; removed from My data too."


def test_a_deleted_recovery_clears_that_days_resting_heart_rate_only(
    whoop_push, whoop_connected, http, run_tasks, run_import
):
    from records.models import DailySummary

    start = (timezone.now() - timedelta(days=9)).replace(hour=3, minute=0, second=0, microsecond=0)
    sleep = {
        **fixture_json("whoop", "sleep_page1")["records"][1],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=8)).isoformat(),
        "timezone_offset": "Z",
    }
    cycle = {
        **fixture_json("whoop", "cycle_page1")["records"][1],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=20)).isoformat(),
        "timezone_offset": "Z",
    }
    recovery = fixture_json("whoop", "recovery_page1")["records"][1]  # cycle 93845, that sleep
    http.add("GET", SLEEPS, json={"records": [sleep]})
    http.add("GET", CYCLES, json={"records": [cycle]})
    http.add("GET", RECOVERIES, json={"records": [recovery]})
    run_import(whoop_connected["sleep"])
    run_import(whoop_connected["daily"])
    day = DailySummary.objects.get(date=start.date())
    assert day.resting_heart_rate == 64 and day.calories is not None
    http.replace("GET", RECOVERIES, json={"records": []})

    response = whoop_push(
        fixture_json("whoop", "webhook_recovery_updated") | {"type": "recovery.deleted"}
    )
    run_tasks()

    assert response.status_code == 204
    day.refresh_from_db()
    assert day.resting_heart_rate is None  # the recovery is gone at WHOOP
    assert day.calories == pytest.approx(8288.297 / 4.184)  # the cycle is not
