"""One odd record never kills its feed: values are fitted to Tendon's columns, a record that
cannot be read or stored is set aside for support, and the rest of the page is stored (issue 9).
Only a page that is garbage as a whole fails the run."""

from __future__ import annotations

import copy

import pytest
from django.db import connection as db

from connections.models import Connection, Credential, ImportRun, SetAsideRecord
from records.models import Activity, BodyMeasurement, DailySummary
from tests.conftest import GOOGLE, WITHINGS, fixture_json, page_text

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"
ROLLUP = GOOGLE["api_url"] + "/v4/users/me/dataTypes/{}/dataPoints:dailyRollUp"
YEAR_ONE = {"interval": {"startTime": "0001-01-01T00:00:00Z", "endTime": "0001-01-01T01:00:00Z"}}


@pytest.fixture
def activities(logged_in, user, google_connect):
    google_connect(logged_in, feeds=["activities"])
    return Connection.objects.get(user=user, feed="activities")


def _point(number: int, **changes) -> dict:
    point = copy.deepcopy(fixture_json("google_health", "exercise_page")["dataPoints"][0])
    point["name"] = f"users/a1B2c3D4e5/dataTypes/exercise/dataPoints/{number}"
    point["exercise"].update(changes.pop("exercise", {}))
    point["exercise"]["metricsSummary"].update(changes.pop("metrics", {}))
    return point


def _serve(http, *points: dict) -> None:
    """The points in the first window of the import, nothing in the later ones."""
    http.add("GET", EXERCISE, json={"dataPoints": list(points)})
    http.add("GET", EXERCISE, json={"dataPoints": []})


def test_an_overlong_name_and_type_are_clipped_and_the_page_stored(activities, http, run_import):
    _serve(
        http,
        _point(1),
        _point(2, exercise={"displayName": "N" * 300, "exerciseType": "T" * 65}),
    )

    run = run_import(activities)

    assert run.outcome == ImportRun.Outcome.OK
    odd = Activity.objects.get(key__endswith="/2")
    assert (len(odd.name), len(odd.activity_type)) == (255, 64)
    assert Activity.objects.count() == 2


@pytest.mark.parametrize(
    ("metrics", "column"),
    [
        ({"steps": "-40"}, "steps"),
        ({"averageHeartRateBeatsPerMinute": "40000"}, "average_heart_rate"),
        ({"caloriesKcal": "NaN"}, "calories"),
        ({"distanceMillimeters": 1e30}, "distance_m"),
    ],
)
def test_an_impossible_number_is_dropped_and_the_record_kept(
    activities, http, run_import, metrics, column
):
    _serve(http, _point(1, metrics=metrics))

    run = run_import(activities)

    assert run.outcome == ImportRun.Outcome.OK
    assert getattr(Activity.objects.get(), column) is None


def test_an_absurd_duration_is_dropped_and_the_record_kept(activities, http, run_import):
    _serve(http, _point(1, exercise={"activeDuration": "99999999999s"}))

    run = run_import(activities)

    assert run.outcome == ImportRun.Outcome.OK
    assert Activity.objects.get().duration is None


def test_a_record_that_cannot_be_stored_is_set_aside_and_the_rest_stored(
    activities, http, run_import
):
    year_one = YEAR_ONE
    _serve(http, _point(1), _point(2, exercise=year_one), _point(3))

    run = run_import(activities)

    assert (run.outcome, run.created_count, run.skipped_count) == (ImportRun.Outcome.OK, 2, 1)
    aside = SetAsideRecord.objects.get()
    assert aside.key.endswith("/2") and "not a plausible date" in aside.reason
    assert '"0001-01-01T00:00:00Z"' in aside.raw_text
    activities.refresh_from_db()
    assert activities.cursor is not None  # the feed moves on


def test_a_record_set_aside_again_is_updated_not_added(activities, http, run_import):
    year_one = YEAR_ONE
    _serve(http, _point(2, exercise=year_one))
    run_import(activities)
    http.remove("GET", EXERCISE)
    _serve(http, _point(2, exercise=year_one))

    run_import(activities)

    assert SetAsideRecord.objects.get().times_seen == 2


@pytest.mark.skipif(db.vendor != "postgresql", reason="SQLite stores NUL in text")
def test_a_record_the_database_refuses_is_set_aside_and_the_rest_stored(
    activities, http, run_import
):
    refused = _point(2)
    refused["name"] = "users/a1B2c3D4e5/dataTypes/exercise/dataPoints/\x002"
    _serve(http, _point(1), refused, _point(3))

    run = run_import(activities)

    assert (run.outcome, run.created_count, run.skipped_count) == (ImportRun.Outcome.OK, 2, 1)
    assert "The database refused it" in SetAsideRecord.objects.get().reason


def test_the_import_history_says_how_many_records_were_skipped(
    activities, http, run_import, logged_in
):
    year_one = YEAR_ONE
    _serve(http, _point(1), _point(2, exercise=year_one))
    run_import(activities)

    page = page_text(logged_in.get(f"/connect/{activities.pk}/"))

    assert "1 record skipped" in page


def test_support_sees_set_aside_records_with_their_reason(activities, http, run_import, client):
    from django.contrib.auth import get_user_model

    year_one = YEAR_ONE
    _serve(http, _point(2, exercise=year_one))
    run_import(activities)
    admin = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)

    page = page_text(client.get(f"/admin/connections/connection/{activities.pk}/change/"))

    assert "not a plausible date" in page


@pytest.fixture
def withings_feeds(settings, logged_in, user, withings_app, oauth_start, http) -> dict:
    settings.IMPORT_BACKFILL_DAYS = 5  # one window
    _url, query = oauth_start(logged_in, "withings", ["body", "daily"])
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "token"))
    logged_in.get("/accounts/withings/login/callback/", {"code": "abc", "state": query["state"]})
    return {c.feed: c for c in Connection.objects.filter(user=user)}


def test_a_withings_group_with_an_absurd_unit_is_set_aside_and_the_rest_stored(
    withings_feeds, http, run_import, one_set_aside
):
    body = withings_feeds["body"]
    reply = fixture_json("withings", "getmeas")
    reply["body"]["measuregrps"][0]["measures"][0]["unit"] = 10**6
    reply["body"]["more"] = 0
    http.add("POST", WITHINGS["api_url"] + "/measure", json=reply)

    run = run_import(body)

    one_set_aside(body, run, stored=1, reason="unit is not a unit exponent")
    assert BodyMeasurement.objects.count() == 1
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_a_withings_day_with_a_garbled_date_is_set_aside_and_the_rest_stored(
    withings_feeds, http, run_import, one_set_aside
):
    daily = withings_feeds["daily"]
    reply = fixture_json("withings", "getactivity")
    reply["body"]["activities"][0]["date"] = "the 3rd"
    http.add("POST", WITHINGS["api_url"] + "/v2/measure", json=reply)

    run = run_import(daily)

    one_set_aside(daily, run, stored=1, reason="date is not a date")


def test_a_withings_answer_without_its_list_stores_nothing(withings_feeds, http, run_import):
    body = withings_feeds["body"]
    garbage = {"status": 0, "body": {"measuregrps": {"not": "a list"}}}
    http.add("POST", WITHINGS["api_url"] + "/measure", json=garbage)

    run = run_import(body)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not BodyMeasurement.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=body.pk).cursor is None


def test_an_activity_without_a_name_is_stored_with_a_blank_name(activities, http, run_import):
    _serve(http, _point(1, exercise={"displayName": ""}))

    run = run_import(activities)

    assert (run.outcome, run.created_count, run.skipped_count) == (ImportRun.Outcome.OK, 1, 0)
    assert Activity.objects.get().name == ""


def test_a_database_refusal_is_kept_without_the_row_postgresql_prints_after_it():
    from django.db import IntegrityError

    from records.services.upserts import database_refusal

    error = IntegrityError(
        'new row for relation "records_bodymeasurement" violates check constraint "weight"\n'
        "DETAIL:  Failing row contains (7, demo, a1, 2026-11-30, 71.5, 18.2)."
    )

    assert database_refusal(error) == (
        'The database refused it: new row for relation "records_bodymeasurement" violates '
        'check constraint "weight"'
    )


@pytest.mark.parametrize(
    ("exercise", "reason"),
    [
        ({"activeDuration": "abc"}, "activeDuration is not a duration"),
        (
            {"interval": {"startTime": "half past nine", "endTime": "2026-11-30T10:00:00Z"}},
            "startTime is not a time",
        ),
        ({"interval": "all morning"}, "interval is not an object"),
        ({"metricsSummary": {"caloriesKcal": "lots"}}, "caloriesKcal is not a number"),
    ],
)
def test_a_data_point_google_sends_unreadable_is_set_aside_and_the_rest_stored(
    activities, http, run_import, one_set_aside, exercise, reason
):
    unreadable = _point(2)
    unreadable["exercise"].update(exercise)
    _serve(http, _point(1), unreadable, _point(3))

    run = run_import(activities)

    aside = one_set_aside(activities, run, stored=2, reason=reason)
    assert aside.key.endswith("/2") and aside.kind == "activity"
    assert sorted(a.key[-2:] for a in Activity.objects.all()) == ["/1", "/3"]


def test_a_data_point_without_an_id_is_set_aside_under_one_stable_key(
    activities, http, run_import, one_set_aside
):
    nameless = _point(2, exercise={"activeDuration": "abc"})
    del nameless["name"]
    _serve(http, _point(1), nameless)
    run_import(activities)
    http.remove("GET", EXERCISE)
    _serve(http, _point(1), nameless)

    run = run_import(activities)

    aside = one_set_aside(activities, run, stored=0, reason="name is missing")
    assert aside.times_seen == 2


def test_a_daily_roll_up_google_sends_unreadable_is_set_aside_and_the_other_days_stored(
    settings, logged_in, user, google_connect, http, run_import, one_set_aside
):
    settings.IMPORT_BACKFILL_DAYS = 5  # one window
    google_connect(logged_in, feeds=["daily"])
    daily = Connection.objects.get(user=user, feed="daily")
    civil = [{"date": {"year": 2026, "month": 11, "day": d}} for d in (28, 29)]
    steps = [{"civilStartTime": c, "steps": {"countSum": "4200"}} for c in civil]
    steps[1]["steps"]["countSum"] = "many"
    for data_type in ("steps", "distance", "total-calories", "active-minutes"):
        points = steps if data_type == "steps" else []
        http.add("POST", ROLLUP.format(data_type), json={"rollupDataPoints": points})

    run = run_import(daily)

    aside = one_set_aside(daily, run, stored=1, reason="countSum is not a number")
    assert aside.kind == "daily" and "2026-11-29" in aside.key
    assert DailySummary.objects.get().steps == 4200


@pytest.mark.parametrize(
    "answer",
    [{"dataPoints": {"not": "a list"}}, {"dataPoints": ["not an object"]}, ["a", "list"]],
    ids=["list-not-a-list", "points-not-objects", "not-an-object"],
)
def test_a_page_google_sends_unreadable_stores_nothing_and_fails_the_run(
    activities, http, run_import, answer
):
    http.add("GET", EXERCISE, json=answer)

    run = run_import(activities)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not Activity.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=activities.pk).cursor is None
