"""A Polar item Tendon cannot read is set aside with its reason; the rest of its list is stored
and the feed moves on. A list that is garbage as a whole still stores nothing (issue 9)."""

from __future__ import annotations

import copy

import pytest

from connections.models import Connection, ImportRun, SetAsideRecord
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.conftest import fixture_json
from tests.providers.polar.conftest import API, USERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5


def test_an_exercise_polar_sends_unreadable_is_set_aside_and_the_rest_stored(
    polar_connected, http, run_import, one_set_aside
):
    exercises = fixture_json("polar", "exercises")
    exercises.append({**copy.deepcopy(exercises[0]), "id": "BROKEN", "duration": "forty minutes"})
    http.add("GET", API + "/v3/exercises", json=exercises)

    run = run_import(polar_connected["activities"])

    aside = one_set_aside(
        polar_connected["activities"], run, stored=2, reason="duration is not an ISO 8601 duration"
    )
    assert (aside.kind, aside.key) == ("activity", "BROKEN")
    assert Activity.objects.count() == 2


def test_a_night_polar_sends_unreadable_is_set_aside_and_the_rest_stored(
    polar_connected, http, run_import, one_set_aside
):
    nights = fixture_json("polar", "sleep_nights")
    broken = {**copy.deepcopy(nights["nights"][0]), "date": "2026-11-27"}
    broken["sleep_start_time"] = "late"
    nights["nights"].append(broken)
    http.add("GET", USERS + "/sleep", json=nights)

    run = run_import(polar_connected["sleep"])

    stored = len(nights["nights"]) - 1
    aside = one_set_aside(
        polar_connected["sleep"], run, stored=stored, reason="sleep_start_time is not a time"
    )
    assert (aside.kind, aside.key) == ("sleep", "2026-11-27")
    assert SleepSession.objects.count() == stored


def test_a_day_of_activity_polar_sends_unreadable_is_set_aside_and_the_rest_stored(
    polar_connected, http, run_import, one_set_aside
):
    days = fixture_json("polar", "activities")
    days[1]["steps"] = "a lot"
    http.add("GET", USERS + "/activities", json=days)

    run = run_import(polar_connected["daily"])

    one_set_aside(polar_connected["daily"], run, stored=1, reason="steps is not a number")
    assert DailySummary.objects.count() == 1


def test_a_weight_polar_sends_unreadable_is_set_aside(
    polar_connected, http, run_import, one_set_aside
):
    info = {**fixture_json("polar", "physical_info"), "weight": "sixty-six"}
    http.add("GET", USERS + "/physical-info", json=info)

    run = run_import(polar_connected["body"])

    one_set_aside(polar_connected["body"], run, stored=0, reason="weight is not a number")
    assert not BodyMeasurement.objects.exists()


def test_a_list_of_something_else_stores_nothing_and_fails_the_run(
    polar_connected, http, run_import
):
    http.add("GET", API + "/v3/exercises", json={"not": "a list"})

    run = run_import(polar_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not Activity.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=polar_connected["activities"].pk).cursor is None
