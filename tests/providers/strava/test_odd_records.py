"""A Strava activity Tendon cannot read is set aside with its reason; the rest of its page is
stored and the feed moves on. A page that is garbage as a whole still stores nothing (issue 9)."""

from __future__ import annotations

import copy
import json

import pytest

from connections.models import Connection, ImportRun, SetAsideRecord
from records.models import Activity, BodyMeasurement
from tests.conftest import fixture_json, query_of
from tests.providers.strava.conftest import API

pytestmark = pytest.mark.django_db
ACTIVITIES = API + "/athlete/activities"


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5


def _serve_first_page(http, items: list) -> None:
    """The window's first page answers items; every later page is empty."""

    def answer(request):
        first = query_of(request.url)["page"] == "1"
        return 200, {"Content-Type": "application/json"}, json.dumps(items if first else [])

    http.add_callback("GET", ACTIVITIES, callback=answer)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"start_date": "this morning"}, "start_date is not a time"),
        ({"elapsed_time": "an hour"}, "elapsed_time is not a number of seconds"),
        ({"id": "one-two-three"}, "id is not a number"),
    ],
)
def test_an_activity_strava_sends_unreadable_is_set_aside_and_the_rest_stored(
    strava_connected, http, run_import, one_set_aside, change, reason
):
    items = fixture_json("strava", "athlete_activities_page1")
    items.append({**copy.deepcopy(items[0]), "id": 99, **change})
    _serve_first_page(http, items)

    run = run_import(strava_connected["activities"])

    aside = one_set_aside(strava_connected["activities"], run, stored=2, reason=reason)
    assert aside.kind == "activity"
    assert Activity.objects.count() == 2


def test_a_weight_strava_sends_unreadable_is_set_aside_without_the_profile(
    strava_connected, http, run_import, one_set_aside
):
    athlete = {**fixture_json("strava", "athlete"), "weight": "light"}
    http.add("GET", API + "/athlete", json=athlete)

    run = run_import(strava_connected["body"])

    aside = one_set_aside(strava_connected["body"], run, stored=0, reason="weight is not a number")
    assert "Teutenberg" not in aside.raw_text  # the profile's other fields are not kept
    assert not BodyMeasurement.objects.exists()


def test_a_page_of_something_else_stores_nothing_and_fails_the_run(
    strava_connected, http, run_import
):
    _serve_first_page(http, ["not", "activities"])

    run = run_import(strava_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not Activity.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=strava_connected["activities"].pk).cursor is None
