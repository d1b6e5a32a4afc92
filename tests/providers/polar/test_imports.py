"""Importing from Polar: each record kind normalised with its units, within Polar's windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers.base import ClientConfig
from connections.providers.polar.client import PolarClient
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.conftest import POLAR, page_text, query_of
from tests.providers.polar.conftest import API, USERS, calls_to

pytestmark = pytest.mark.django_db


def _import_all(polar_connected, run_import) -> dict[str, ImportRun]:
    return {feed: run_import(connection) for feed, connection in polar_connected.items()}


def test_exercises_are_stored_in_metres_kilocalories_and_their_own_time_zone(
    polar_connected, polar_data, run_import
):
    polar_data()

    run_import(polar_connected["activities"])

    run = Activity.objects.get(key="2AC312F")
    assert (run.activity_type, run.name) == ("RUNNING", "Running")
    assert run.start == datetime(2026, 11, 28, 18, 2, 11, tzinfo=UTC)  # 19:02:11 at UTC+01:00
    assert run.duration == timedelta(minutes=45, seconds=30)  # "PT45M30S"
    assert (run.distance_m, run.calories, run.average_heart_rate) == (8012.5, 530.0, 148)
    ride = Activity.objects.get(key="7BD91E4")
    assert ride.activity_type == "ROAD_BIKING"
    assert (ride.distance_m, ride.duration) == (52310.0, timedelta(hours=1, minutes=52, seconds=14))


def test_sleep_is_stored_in_minutes_per_stage(polar_connected, polar_data, run_import):
    polar_data()

    run_import(polar_connected["sleep"])

    night = SleepSession.objects.get(key="2026-11-29")
    assert night.start == datetime(2026, 11, 28, 22, 12, 7, tzinfo=UTC)  # 23:12:07+01:00
    assert night.end == datetime(2026, 11, 29, 5, 58, 37, tzinfo=UTC)
    # light 14040 s + deep 5520 s + REM 6180 s = 25740 s
    assert night.minutes_asleep == 429
    assert night.stages == {"light": 234, "deep": 92, "rem": 103, "awake": 32, "unknown": 5}


def test_nightly_recharge_gives_the_nights_heart_rate(polar_connected, polar_data, run_import):
    polar_data()

    run_import(polar_connected["heart_rate"])

    day = DailySummary.objects.get(date=date(2026, 11, 30))
    assert day.resting_heart_rate == 54  # bpm
    assert day.raw_heart_rate["heart_rate_variability_avg"] == 55  # ms, kept for later


def test_daily_activity_is_keyed_by_its_day_in_steps_metres_and_kilocalories(
    polar_connected, polar_data, run_import
):
    polar_data()

    run_import(polar_connected["daily"])

    day = DailySummary.objects.get(date=date(2026, 11, 28))
    assert (day.steps, day.distance_m, day.calories) == (14210, 10384.2, 2810.0)
    assert day.active_minutes == 242  # "PT4H2M"


def test_weight_is_stored_in_kilograms_dated_by_polars_last_change(
    polar_connected, polar_data, run_import
):
    polar_data()

    run_import(polar_connected["body"])
    run_import(polar_connected["body"])  # the same state read again: one measurement

    weight = BodyMeasurement.objects.get()
    assert weight.weight_kg == 66.4
    assert weight.measured_at == datetime(2026, 11, 25, 7, 41, 10, tzinfo=UTC)


def test_the_first_import_says_polar_has_nothing_from_before_registration(
    logged_in, polar_connected, polar_data, run_import
):
    polar_data()
    sleep = polar_connected["sleep"]

    run_import(sleep)
    run_import(sleep)

    firsts = ConnectionEvent.objects.filter(connection=sleep, kind="first_import")
    assert [e.message for e in firsts] == [
        "First import done. Polar shares only what you record after connecting it to Tendon; "
        "anything older stays in Polar Flow."
    ]
    assert "anything older stays in Polar Flow" in page_text(logged_in.get(f"/connect/{sleep.pk}/"))


def test_lists_without_a_date_range_are_read_once_per_run(
    polar_connected, polar_data, run_import, http
):
    polar_data()

    run = run_import(polar_connected["activities"])  # the first import: five weekly windows

    assert run.outcome == ImportRun.Outcome.OK
    assert len(calls_to(http, API + "/v3/exercises")) == 1
    assert run.api_calls == 1


def test_daily_activity_asks_each_window_by_date_within_polars_limits(
    polar_connected, polar_data, run_import, http
):
    polar_data()

    run_import(polar_connected["daily"])

    asked = [query_of(c.request.url) for c in calls_to(http, USERS + "/activities")]
    days = [(date.fromisoformat(q["from"]), date.fromisoformat(q["to"])) for q in asked]
    assert all((last - first).days < 28 for first, last in days)
    assert days[-1][1] == timezone.now().date()
    assert all(c.request.headers["Authorization"].startswith("Bearer ") for c in http.calls[-5:])


def _client() -> PolarClient:
    config = ClientConfig(client_id="c", client_secret="s", **POLAR)
    return PolarClient(config, name="Polar")


def test_a_backfill_never_asks_polar_for_more_than_28_days_or_365_back(http):
    today = timezone.now()
    http.add("GET", USERS + "/activities", json=[])
    client = _client()

    page = client.fetch_feed(
        access_token="t", feed="daily", start=today - timedelta(days=400), end=today, token=None
    )

    asked = query_of(http.calls[0].request.url)
    first, last = date.fromisoformat(asked["from"]), date.fromisoformat(asked["to"])
    assert first == today.date() - timedelta(days=364)
    assert (last - first).days == 27
    assert page.next_token == (last + timedelta(days=1)).isoformat()


def test_a_window_older_than_polar_keeps_costs_no_request(http):
    now = timezone.now()
    page = _client().fetch_feed(
        access_token="t",
        feed="daily",
        start=now - timedelta(days=500),
        end=now - timedelta(days=400),
        token=None,
    )

    assert (page.records, page.api_calls) == ([], 0)
    assert len(http.calls) == 0


def test_5xx_is_retried_later_and_never_flags(polar_connected, http, run_import):
    http.add("GET", API + "/v3/exercises", status=502, body="Bad gateway")

    run = run_import(polar_connected["activities"])

    assert run.error_code == "unreachable"
    connection = Connection.objects.get(pk=polar_connected["activities"].pk)
    assert connection.next_run_at > timezone.now() + timedelta(minutes=2)
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert not Activity.objects.exists()


def test_garbage_stores_nothing_and_is_explained(logged_in, polar_connected, http, run_import):
    http.add(
        "GET", API + "/v3/exercises", body="<html>maintenance</html>", content_type="text/html"
    )
    http.add("GET", USERS + "/sleep", json={"nights": {"not": "a list"}})

    assert run_import(polar_connected["activities"]).error_code == "bad_response"
    assert run_import(polar_connected["sleep"]).error_code == "bad_response"
    assert not Activity.objects.exists() and not SleepSession.objects.exists()
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    page = page_text(logged_in.get(f"/connect/{polar_connected['sleep'].pk}/"))
    assert "answered with something we could not read, so nothing was stored" in page
