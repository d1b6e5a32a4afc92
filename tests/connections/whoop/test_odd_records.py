"""A WHOOP record Tendon cannot read is set aside with its reason; the rest of its page is
stored and the feed moves on. A page that is garbage as a whole still stores nothing (issue 9)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ImportRun, SetAsideRecord
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.conftest import fixture_json
from tests.connections.whoop.conftest import BODY, CYCLES, RECOVERIES, SLEEPS, WORKOUTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5


def _with_broken(name: str, **change) -> dict:
    """WHOOP's page, plus a copy of its first record (id "broken") with the change applied."""
    page = fixture_json("whoop", name)
    broken = {**copy.deepcopy(page["records"][0]), "id": "broken", **change}
    page["records"].append(broken)
    page["next_token"] = None
    return page


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"end": "soon"}, "end is not a time"),
        ({"score": {"kilojoule": "plenty"}}, "kilojoule is not a number"),
        (
            {"score": {"zone_durations": {"zone_one_milli": "long"}}},
            "zone_one_milli is not a number",
        ),
    ],
)
def test_a_workout_whoop_sends_unreadable_is_set_aside_and_the_rest_stored(
    whoop_connected, http, run_import, one_set_aside, change, reason
):
    http.add("GET", WORKOUTS, json=_with_broken("workout_page1", **change))

    run = run_import(whoop_connected["activities"])

    aside = one_set_aside(whoop_connected["activities"], run, stored=2, reason=reason)
    assert (aside.kind, aside.key) == ("activity", "broken")
    assert Activity.objects.count() == 2


def test_a_sleep_without_its_start_is_set_aside_and_the_rest_stored(
    whoop_connected, http, run_import, one_set_aside
):
    page = _with_broken("sleep_page1")
    del page["records"][-1]["start"]
    http.add("GET", SLEEPS, json=page)

    run = run_import(whoop_connected["sleep"])

    one_set_aside(whoop_connected["sleep"], run, stored=2, reason="start is missing")
    assert SleepSession.objects.count() == 2


def test_a_cycle_with_a_garbled_start_is_set_aside_and_the_other_days_stored(
    whoop_connected, http, run_import, one_set_aside
):
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cycles = [
        {"id": 1, "start": yesterday, "timezone_offset": "Z", "score": {"kilojoule": 4184.0}},
        {"id": 2, "start": "last night", "timezone_offset": "Z", "score": {"kilojoule": 1.0}},
    ]
    http.add("GET", CYCLES, json={"records": cycles})
    http.add("GET", RECOVERIES, json={"records": []})

    run = run_import(whoop_connected["daily"])

    aside = one_set_aside(whoop_connected["daily"], run, stored=1, reason="start is not a time")
    assert (aside.kind, aside.key) == ("daily", "2")
    assert DailySummary.objects.get().calories == pytest.approx(1000.0)


def test_a_body_measurement_whoop_sends_unreadable_is_set_aside(
    whoop_connected, http, run_import, one_set_aside
):
    measurement = {**fixture_json("whoop", "body_measurement"), "weight_kilogram": "heavy"}
    http.add("GET", BODY, json=measurement)

    run = run_import(whoop_connected["body"])

    one_set_aside(whoop_connected["body"], run, stored=0, reason="weight_kilogram is not a number")
    assert not BodyMeasurement.objects.exists()


def test_a_page_of_something_else_stores_nothing_and_fails_the_run(
    whoop_connected, http, run_import
):
    http.add("GET", SLEEPS, json={"records": {"not": "a list"}})

    run = run_import(whoop_connected["sleep"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not SleepSession.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=whoop_connected["sleep"].pk).cursor is None
