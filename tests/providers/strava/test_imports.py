"""Importing from Strava: activities page by page until an empty page, units checked, errors
classified."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun
from connections.providers.strava import normalise
from records.models import Activity, BodyMeasurement
from tests.conftest import STRAVA, fixture_json, page_text, query_of
from tests.providers.strava.conftest import API, calls_to, token_reply

pytestmark = pytest.mark.django_db
ACTIVITIES = API + "/athlete/activities"


def _serve_pages(http, *pages: list) -> None:
    """Strava's list: page n of every window answers pages[n - 1], then empty pages."""

    def answer(request):
        page = int(query_of(request.url)["page"])
        empty = fixture_json("strava", "athlete_activities_empty")
        items = pages[page - 1] if page <= len(pages) else empty
        return 200, {"Content-Type": "application/json"}, json.dumps(items)

    http.add_callback("GET", ACTIVITIES, callback=answer)


def test_activities_are_stored_in_metres_and_seconds_with_their_utc_start(
    strava_connected, run_import, http
):
    _serve_pages(http, fixture_json("strava", "athlete_activities_page1"))

    run_import(strava_connected["activities"])

    ride = Activity.objects.get(key="154504250376823")
    assert (ride.activity_type, ride.name) == ("MOUNTAIN_BIKE_RIDE", "Happy Friday")
    assert ride.start == datetime(2026, 11, 27, 12, 15, 9, tzinfo=UTC)  # start_date, not _local
    assert ride.distance_m == 24931.4
    assert (ride.duration, ride.moving_time) == (timedelta(seconds=4812), timedelta(seconds=4500))
    assert ride.calories is None  # the list has none; kilojoules are work, not calories
    assert ride.raw["kilojoules"] == 788.7
    assert ride.average_heart_rate == 140
    run = Activity.objects.get(key="154504250376824")
    assert (run.activity_type, run.distance_m, run.duration) == (
        "RUNNING",
        10012.3,
        timedelta(seconds=3110),
    )


def test_an_activity_keeps_its_elapsed_time_and_its_moving_time_apart(
    logged_in, strava_connected, run_import, http
):
    _serve_pages(http, fixture_json("strava", "athlete_activities_page1")[:1])

    run_import(strava_connected["activities"])

    ride = Activity.objects.get(key="154504250376823")
    assert ride.duration == timedelta(minutes=80, seconds=12)  # elapsed_time 4812 s
    assert ride.moving_time == timedelta(minutes=75)  # moving_time 4500 s
    # The ride ends when its elapsed time does: that is the time My data shows for it.
    assert "1 h 20 min" in page_text(logged_in.get("/data/"))
    assert Activity.objects.count() == 1


def test_paging_stops_at_the_first_empty_page_and_spends_nothing_per_activity(
    strava_connected, run_import, http
):
    page = fixture_json("strava", "athlete_activities_page1")
    _serve_pages(http, page[:1], page[1:])  # short pages are not the last ones

    run = run_import(strava_connected["activities"])

    asked = [query_of(c.request.url) for c in calls_to(http, ACTIVITIES)]
    assert [q["page"] for q in asked[:3]] == ["1", "2", "3"]
    assert {q["per_page"] for q in asked} == {"200"}
    assert all(int(q["after"]) < int(q["before"]) for q in asked)
    assert run.api_calls == len(asked)
    assert not [c for c in http.calls if "/v3/activities/" in c.request.url]
    assert Activity.objects.count() == 2


def test_calories_come_only_with_a_detailed_activity():
    detailed = normalise.activity(fixture_json("strava", "activity_detail"))
    manual = normalise.activity(fixture_json("strava", "activity_detail_manual"))

    assert detailed.values["calories"] == 870.2  # kcal
    assert (manual.values["calories"], manual.values["distance_m"]) == (None, None)  # 0: not given
    assert manual.values["duration"] == timedelta(seconds=18373)


def test_the_weight_kept_on_strava_is_stored_in_kilograms(strava_connected, run_import, http):
    http.add("GET", API + "/athlete", json=fixture_json("strava", "athlete"))

    run_import(strava_connected["body"])

    weight = BodyMeasurement.objects.get()
    assert weight.weight_kg == 61.2
    assert weight.measured_at == datetime(2018, 2, 6, 19, 32, 20, tzinfo=UTC)
    assert set(weight.raw) == {"id", "weight", "updated_at"}  # not the whole profile


def test_a_401_is_retried_once_with_a_renewed_token(strava_connected, run_import, http):
    calls = []

    def answer(request):
        calls.append(request.headers["Authorization"])
        if len(calls) == 1:
            return 401, {}, json.dumps(fixture_json("strava", "error_401"))
        return 200, {}, "[]"

    http.add_callback("GET", ACTIVITIES, callback=answer)
    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed"))

    run = run_import(strava_connected["activities"])

    assert run.outcome == ImportRun.Outcome.OK
    fresh = fixture_json("strava", "token_refreshed")["access_token"]
    assert calls[1] == f"Bearer {fresh}"


def test_a_missing_activity_permission_stops_that_feed_only(
    logged_in, strava_connected, run_import, http
):
    http.add(
        "GET",
        ACTIVITIES,
        status=401,
        json=fixture_json("strava", "error_401_missing_activity_read"),
    )

    run = run_import(strava_connected["activities"])

    assert run.error_code == "scope_missing"
    credential = Credential.objects.get(provider="strava")
    assert credential.status == Credential.Status.ACTIVE
    assert "activity:read_all" not in credential.scopes and "profile:read_all" in credential.scopes
    page = page_text(logged_in.get(f"/connect/{strava_connected['activities'].pk}/"))
    assert "Permission missing" in page


def test_an_inactive_application_is_the_operators_to_fix_not_the_persons(
    strava_connected, run_import, http
):
    http.add("GET", ACTIVITIES, status=403, json=fixture_json("strava", "error_403_app_inactive"))

    run = run_import(strava_connected["activities"])

    assert run.error_code == "provider_refused"
    assert "Inactive" in run.error_message
    assert Credential.objects.get(provider="strava").status == Credential.Status.ACTIVE


def test_5xx_is_retried_later_and_never_flags(strava_connected, http, run_import):
    http.add("GET", ACTIVITIES, status=502, body="Bad gateway")

    run = run_import(strava_connected["activities"])

    assert run.error_code == "unreachable"
    connection = Connection.objects.get(pk=strava_connected["activities"].pk)
    assert connection.next_run_at > timezone.now() + timedelta(minutes=2)
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert not Activity.objects.exists()


def test_garbage_stores_nothing_and_is_explained(logged_in, strava_connected, http, run_import):
    http.add("GET", ACTIVITIES, body="<html>maintenance</html>", content_type="text/html")
    http.add("GET", API + "/athlete", json=["not", "a", "profile"])

    assert run_import(strava_connected["activities"]).error_code == "bad_response"
    assert run_import(strava_connected["body"]).error_code == "bad_response"
    assert not Activity.objects.exists() and not BodyMeasurement.objects.exists()
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    page = page_text(logged_in.get(f"/connect/{strava_connected['activities'].pk}/"))
    assert "answered with something we could not read, so nothing was stored" in page
