"""Provider feeds through the import service: Google's paging, Withings' envelopes."""

from __future__ import annotations

import pytest

from connections.models import Connection, ImportRun
from records.models import BodyMeasurement, DailySummary
from tests.conftest import GOOGLE, WITHINGS, fixture_json, query_of

pytestmark = pytest.mark.django_db
WEIGHT = GOOGLE["api_url"] + "/v4/users/me/dataTypes/weight/dataPoints"
BODY_FAT = GOOGLE["api_url"] + "/v4/users/me/dataTypes/body-fat/dataPoints"


def _weight(name: str, when: str, grams: float) -> dict:
    return {
        "name": f"users/a1B2c3D4e5/dataTypes/weight/dataPoints/{name}",
        "dataSource": {"platform": "FITBIT", "recordingMethod": "MANUAL"},
        "weight": {"weightGrams": grams, "sampleTime": {"physicalTime": when, "utcOffset": "0s"}},
    }


def test_google_pages_are_followed_with_their_page_token(
    settings, logged_in, user, google_connect, http, run_import
):
    settings.IMPORT_BACKFILL_DAYS = 5  # one window
    token = fixture_json("google_health", "token")
    token["scope"] += (
        " https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly"
    )
    google_connect(logged_in, feeds=["body"], token=token)
    body = Connection.objects.get(user=user, feed="body")
    http.add(
        "GET",
        WEIGHT,
        json={
            "dataPoints": [_weight("w2", "2026-11-21T07:00:00Z", 72300.0)],
            "nextPageToken": "page-2",
        },
    )
    http.add("GET", WEIGHT, json={"dataPoints": [_weight("w1", "2026-11-20T07:00:00Z", 72500.0)]})
    http.add("GET", BODY_FAT, json={})

    run = run_import(body)

    assert run.outcome == ImportRun.Outcome.OK and run.created_count == 2
    weight_calls = [c for c in http.calls if "/weight/" in c.request.url]
    assert "pageToken" not in query_of(weight_calls[0].request.url)
    assert query_of(weight_calls[1].request.url)["pageToken"] == "page-2"
    assert query_of(weight_calls[0].request.url)["filter"].startswith(
        'weight.sample_time.physical_time >= "'
    )
    assert sorted(BodyMeasurement.objects.values_list("weight_kg", flat=True)) == [72.3, 72.5]


@pytest.fixture
def withings_connected(logged_in, user, withings_app, oauth_start, http):
    _url, query = oauth_start(logged_in, "withings", ["body", "daily"])
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "token"))
    logged_in.get("/accounts/withings/login/callback/", {"code": "abc", "state": query["state"]})
    return {c.feed: c for c in Connection.objects.filter(user=user)}


def test_withings_measures_follow_lastupdate_and_offset(
    settings, withings_connected, http, run_import
):
    settings.IMPORT_BACKFILL_DAYS = 5
    http.add("POST", WITHINGS["api_url"] + "/measure", json=fixture_json("withings", "getmeas"))
    http.add(
        "POST", WITHINGS["api_url"] + "/measure", json=fixture_json("withings", "getmeas_last")
    )

    run = run_import(withings_connected["body"])

    assert run.outcome == ImportRun.Outcome.OK and run.created_count == 3
    first, second = (query_of("?" + c.request.body) for c in http.calls[-2:])
    assert first["action"] == "getmeas" and first["lastupdate"].isdigit()
    assert (first["offset"], second["offset"]) == ("0", "2")
    weighed = BodyMeasurement.objects.get(key="5512345")
    assert (weighed.weight_kg, weighed.fat_percent) == (72.45, 19.1)


def test_withings_activity_fills_daily_summaries(settings, withings_connected, http, run_import):
    settings.IMPORT_BACKFILL_DAYS = 5
    http.add(
        "POST", WITHINGS["api_url"] + "/v2/measure", json=fixture_json("withings", "getactivity")
    )

    run = run_import(withings_connected["daily"])

    assert run.outcome == ImportRun.Outcome.OK
    day = DailySummary.objects.get(key="2026-11-20")
    assert (day.steps, day.distance_m, day.calories, day.active_minutes) == (
        10432,
        8011.5,
        2310.8,
        35,
    )


def test_withings_non_zero_status_during_import_fails_the_run(
    settings, withings_connected, http, run_import
):
    http.add("POST", WITHINGS["api_url"] + "/measure", json={"status": 2555, "error": "Unknown"})

    run = run_import(withings_connected["body"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "unreachable")
    assert not BodyMeasurement.objects.exists()
