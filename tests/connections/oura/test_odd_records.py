"""An Oura document Tendon cannot read is set aside with its reason; the rest of its page is
stored and the feed moves on. A page that is garbage as a whole still stores nothing (issue 9)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ImportRun, SetAsideRecord
from records.models import Activity, DailySummary, SleepSession
from tests.conftest import fixture_json
from tests.connections.oura.conftest import collection

pytestmark = pytest.mark.django_db
WORKOUT, SLEEP, HEART_RATE = collection("workout"), collection("sleep"), collection("heartrate")
MISSING = object()  # a change that leaves the field out


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5


def _workouts(*changes: dict) -> dict:
    """Oura's workout, once per change (each with its own id and the change applied)."""
    model = fixture_json("oura", "workout_page2")["data"][0]
    documents = []
    for number, change in enumerate(changes, start=1):
        document = {**copy.deepcopy(model), "id": f"workout-{number}", **change}
        documents.append({k: v for k, v in document.items() if v is not MISSING})
    return {"data": documents, "next_token": None}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"start_datetime": "after lunch"}, "start_datetime is not a time"),
        ({"end_datetime": "2021-01-02T18:45:00"}, "end_datetime is not a time"),
        ({"activity": MISSING}, "activity is missing"),
    ],
)
def test_a_workout_oura_sends_unreadable_is_set_aside_and_the_rest_stored(
    oura_connected, http, run_import, one_set_aside, change, reason
):
    http.add("GET", WORKOUT, json=_workouts({}, change, {}))

    run = run_import(oura_connected["activities"])

    aside = one_set_aside(oura_connected["activities"], run, stored=2, reason=reason)
    assert (aside.kind, aside.key) == ("activity", "workout-2")
    assert sorted(Activity.objects.values_list("key", flat=True)) == ["workout-1", "workout-3"]


def test_a_sleep_period_oura_sends_unreadable_is_set_aside_and_the_rest_stored(
    oura_connected, http, run_import, one_set_aside
):
    page = fixture_json("oura", "sleep_page2")
    broken = {**copy.deepcopy(page["data"][0]), "id": "broken", "total_sleep_duration": "long"}
    page["data"].append(broken)
    http.add("GET", SLEEP, json=page)

    run = run_import(oura_connected["sleep"])

    one_set_aside(
        oura_connected["sleep"], run, stored=1, reason="total_sleep_duration is not a number"
    )
    assert SleepSession.objects.count() == 1


def test_a_daily_document_with_a_garbled_day_is_set_aside_and_the_other_days_stored(
    oura_connected, http, run_import, one_set_aside
):
    page = fixture_json("oura", "daily_activity_page2")
    broken = {**copy.deepcopy(page["data"][0]), "id": "broken", "day": "someday"}
    page["data"].append(broken)
    http.add("GET", collection("daily_activity"), json=page)
    for name in ("daily_sleep", "daily_readiness"):
        http.add("GET", collection(name), json={"data": [], "next_token": None})

    run = run_import(oura_connected["daily"])

    aside = one_set_aside(oura_connected["daily"], run, stored=1, reason="day is not a date")
    assert (aside.kind, aside.key) == ("daily", "broken")
    assert DailySummary.objects.get().date == date.fromisoformat(page["data"][0]["day"])


def test_a_heart_rate_sample_oura_sends_unreadable_is_set_aside_and_the_day_stored(
    oura_connected, http, run_import, one_set_aside
):
    night = datetime.combine(timezone.now().date() - timedelta(days=2), datetime.min.time())
    samples = [
        {"bpm": bpm, "source": "sleep", "timestamp": f"{night + timedelta(hours=h):%FT%T}+00:00"}
        for h, bpm in ((1, 58), (2, "slow"), (3, 61))
    ]
    http.add("GET", HEART_RATE, json={"data": samples, "next_token": None})

    run = run_import(oura_connected["heart_rate"])

    aside = one_set_aside(oura_connected["heart_rate"], run, stored=1, reason="bpm is not a number")
    assert aside.key == samples[1]["timestamp"]
    assert DailySummary.objects.get().resting_heart_rate == 58


def test_a_page_of_something_else_stores_nothing_and_fails_the_run(
    oura_connected, http, run_import
):
    http.add("GET", WORKOUT, json={"data": ["not", "documents"], "next_token": None})

    run = run_import(oura_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "bad_response")
    assert not Activity.objects.exists() and not SetAsideRecord.objects.exists()
    assert Connection.objects.get(pk=oura_connected["activities"].pk).cursor is None
