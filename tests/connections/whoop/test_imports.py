"""WHOOP feeds through the import service: nextToken paging, kilojoules stored as kilocalories,
milliseconds as minutes, scores that come later, and every failure classified."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun
from connections.selectors import connection_status
from connections.services.pacing import provider_paused_until
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from tests.conftest import WHOOP, fixture_json, page_text, query_of
from tests.connections.whoop.conftest import BODY, CYCLES, RECOVERIES, SLEEPS, WORKOUTS

pytestmark = pytest.mark.django_db
NEXT = "MTIzOjEyMzEyMw"


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5  # one import window


def _calls(http, url):
    return [query_of(c.request.url) for c in http.calls if c.request.url.split("?")[0] == url]


def _status(connection):
    return connection_status(connection=Connection.objects.get(pk=connection.pk))


def _pages(http, url, name):
    http.add("GET", url, json=fixture_json("whoop", f"{name}_page1"))
    http.add("GET", url, json=fixture_json("whoop", f"{name}_page2"))


def test_workouts_follow_next_token_in_the_query_25_at_a_time(whoop_connected, http, run_import):
    _pages(http, WORKOUTS, "workout")

    run = run_import(whoop_connected["activities"])

    assert (run.outcome, run.created_count, run.api_calls) == (ImportRun.Outcome.OK, 3, 2)
    first, second = _calls(http, WORKOUTS)
    assert "nextToken" not in first and second["nextToken"] == NEXT
    assert first["limit"] == second["limit"] == "25"
    assert (first["start"], first["end"]) == (second["start"], second["end"])
    assert first["start"].endswith(".000Z")


@pytest.mark.parametrize("last_token", [None, "", "missing"], ids=["null", "empty", "missing"])
def test_a_null_empty_or_missing_next_token_ends_the_collection(
    whoop_connected, http, run_import, last_token
):
    page = fixture_json("whoop", "workout_page2")
    if last_token != "missing":
        page["next_token"] = last_token
    http.add("GET", WORKOUTS, json=page)

    run = run_import(whoop_connected["activities"])

    assert (run.outcome, run.api_calls) == (ImportRun.Outcome.OK, 1)


def test_a_workout_is_stored_in_kilocalories_metres_minutes_and_zones(
    whoop_connected, http, run_import
):
    _pages(http, WORKOUTS, "workout")

    run_import(whoop_connected["activities"])

    run = Activity.objects.get(key="ecfc6a15-4661-442f-a9a4-f160dd7afae8")
    assert run.activity_type == "running" and run.name == "Running"
    assert run.calories == pytest.approx(1569.34033203125 / 4.184)  # kJ -> kcal: 375.08
    assert round(run.calories) == 375
    assert run.distance_m == pytest.approx(1772.77035916)
    assert run.duration == timedelta(hours=8)
    assert run.average_heart_rate == 123
    # zones 1+2 light, 3 moderate, 4 vigorous, 5 peak (milliseconds -> minutes); zone 0 dropped
    assert run.heart_rate_zones == {"light": 25, "moderate": 15, "vigorous": 10, "peak": 5}
    pending = Activity.objects.get(key="d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80")
    assert pending.calories is None and pending.duration == timedelta(hours=1)


def test_a_pending_workout_is_updated_once_whoop_has_scored_it(whoop_connected, http, run_import):
    page = fixture_json("whoop", "workout_page1")
    pending = page["records"][0]
    http.add("GET", WORKOUTS, json={"records": [pending]})
    run_import(whoop_connected["activities"])
    scored = {**pending, "score_state": "SCORED", "score": page["records"][1]["score"]}
    http.replace("GET", WORKOUTS, json={"records": [scored]})

    run = run_import(whoop_connected["activities"])

    assert (run.created_count, run.updated_count) == (0, 1)
    assert round(Activity.objects.get(key=pending["id"]).calories) == 375


def test_sleep_is_stored_in_minutes_per_stage_naps_included(whoop_connected, http, run_import):
    _pages(http, SLEEPS, "sleep")

    run = run_import(whoop_connected["sleep"])

    assert run.created_count == 3
    night = SleepSession.objects.get(key="ecfc6a15-4661-442f-a9a4-f160dd7afae8")
    assert night.stages == {"deep": 111, "light": 248, "rem": 98, "awake": 23}
    assert night.minutes_asleep == 457  # light + slow wave + REM, milliseconds -> minutes
    assert night.start == datetime(2022, 4, 24, 2, 25, 44, 774000, tzinfo=UTC)
    unscorable = SleepSession.objects.get(key="c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f")
    assert unscorable.minutes_asleep is None and unscorable.stages == {}


def _recent(page: dict, days_ago: int) -> dict:
    """WHOOP's example page with every time moved so that 24 April 2022 is `days_ago` days ago."""
    delta = datetime.combine(
        timezone.now().date() - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC
    ) - datetime(2022, 4, 24, tzinfo=UTC)
    for record in page["records"]:
        for field in ("start", "end", "created_at", "updated_at"):
            if field in record:
                moved = datetime.fromisoformat(record[field].replace("Z", "+00:00")) + delta
                record[field] = moved.isoformat().replace("+00:00", "Z")
    return page


def test_daily_summary_is_the_cycles_calories_and_the_recoverys_resting_heart_rate(
    whoop_connected, http, run_import
):
    for url, name in ((CYCLES, "cycle"), (RECOVERIES, "recovery")):
        http.add("GET", url, json=_recent(fixture_json("whoop", f"{name}_page1"), 2))
        http.add("GET", url, json=_recent(fixture_json("whoop", f"{name}_page2"), 2))

    run = run_import(whoop_connected["daily"])

    assert (run.outcome, run.api_calls) == (ImportRun.Outcome.OK, 4)
    assert _calls(http, CYCLES)[1]["nextToken"] == _calls(http, RECOVERIES)[1]["nextToken"] == NEXT
    today = timezone.now().date()
    # Cycle 93845 starts at 21:25 (-05:00) the evening before: its waking day is "24 April".
    # The still-running cycle 93846 (05:25 that morning) is filed there too, not scored yet.
    day = DailySummary.objects.get(date=today - timedelta(days=2))
    assert day.calories == pytest.approx(8288.297 / 4.184)  # kJ -> kcal: 1980.95
    assert day.resting_heart_rate == 64  # beats per minute
    assert [c["id"] for c in day.raw["cycles"]] == [93845, 93846]
    assert day.raw["cycles"][0]["score"]["strain"] == pytest.approx(5.2951527)
    assert day.raw["recoveries"][0]["score"]["hrv_rmssd_milli"] == pytest.approx(31.813562)
    assert day.steps is None and day.distance_m is None
    unscorable = DailySummary.objects.get(date=today - timedelta(days=3))
    assert unscorable.calories is None and unscorable.resting_heart_rate is None


def test_daily_summary_keeps_the_days_strain_recovery_and_heart_rate_variability(
    whoop_connected, http, run_import
):
    for url, name in ((CYCLES, "cycle"), (RECOVERIES, "recovery")):
        http.add("GET", url, json=_recent(fixture_json("whoop", f"{name}_page1"), 2))
        http.add("GET", url, json=_recent(fixture_json("whoop", f"{name}_page2"), 2))

    run_import(whoop_connected["daily"])

    today = timezone.now().date()
    day = DailySummary.objects.get(date=today - timedelta(days=2))
    assert day.strain == pytest.approx(5.2951527)  # WHOOP's 0-21 day strain
    assert day.recovery_score == 44  # per cent
    assert day.hrv_ms == pytest.approx(31.813562)  # milliseconds (RMSSD)
    assert day.readiness_score is None  # Oura's, not WHOOP's
    unscorable = DailySummary.objects.get(date=today - timedelta(days=3))
    assert (unscorable.strain, unscorable.recovery_score, unscorable.hrv_ms) == (None, None, None)


def test_daily_reads_cycles_beyond_the_window_so_each_day_is_whole(
    whoop_connected, http, run_import
):
    http.add("GET", CYCLES, json={"records": []})
    http.add("GET", RECOVERIES, json={"records": []})

    run_import(whoop_connected["daily"])

    window = _calls(http, CYCLES)[0]
    start = datetime.fromisoformat(window["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(window["end"].replace("Z", "+00:00"))
    assert end - start >= timedelta(days=5 + 6)  # the 5-day window and 3 days either side


def test_a_day_slept_twice_adds_the_energy_of_both_cycles():
    from connections.providers.whoop import normalise

    evening = {"id": 1, "start": "2026-11-27T22:00:00Z", "timezone_offset": "Z"}
    morning = {"id": 2, "start": "2026-11-28T09:00:00Z", "timezone_offset": "Z"}
    cycles = [
        {**evening, "score": {"kilojoule": 4184.0}},
        {**morning, "score": {"kilojoule": 2092.0}},
    ]

    assert {normalise.cycle_day(c) for c in cycles} == {date(2026, 11, 28)}
    (day,) = normalise.daily(date(2026, 11, 28), cycles, {})
    assert day.values["calories"] == pytest.approx(1500.0)


def test_the_current_body_measurement_is_read_once_per_import(whoop_connected, http, run_import):
    http.add("GET", BODY, json=fixture_json("whoop", "body_measurement"))

    run = run_import(whoop_connected["body"])
    again = run_import(whoop_connected["body"])

    assert (run.created_count, run.api_calls) == (1, 1)
    assert (again.created_count, again.updated_count) == (0, 0)  # unchanged: not stored twice
    weighed = BodyMeasurement.objects.get()
    assert weighed.weight_kg == pytest.approx(90.7185)  # kilograms
    assert weighed.bmi == 27.1  # from WHOOP's height in metres
    assert weighed.measured_at > timezone.now() - timedelta(minutes=1)


def test_a_member_without_a_body_measurement_imports_nothing(whoop_connected, http, run_import):
    http.add("GET", BODY, status=404)

    run = run_import(whoop_connected["body"])

    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 0)


# 401 / 403 / 429 / 5xx / garbage


def test_401_cured_by_one_refresh_is_not_a_dead_grant(whoop_connected, http, run_import):
    http.add("GET", WORKOUTS, status=401)
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_refreshed"))
    http.add("GET", WORKOUTS, json=fixture_json("whoop", "workout_page2"))

    run = run_import(whoop_connected["activities"])

    assert run.outcome == ImportRun.Outcome.OK
    retried = [c for c in http.calls if c.request.url.startswith(WORKOUTS)][-1]
    assert retried.request.headers["Authorization"] == "Bearer whoop-access-token-2"
    assert Credential.objects.get().refresh_token == "whoop-refresh-token-2"


def test_401_that_survives_a_refresh_needs_reauthorization(
    whoop_connected, http, run_import, logged_in
):
    http.add("GET", WORKOUTS, status=401)
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_refreshed"))

    run = run_import(whoop_connected["activities"])

    assert run.error_code == "needs_reauth"
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert "Needs re-authorization" in page_text(logged_in.get("/connect/"))


def test_403_for_an_inactive_membership_is_said_plainly_and_never_flags(
    whoop_connected, http, run_import, logged_in, mailoutbox
):
    http.add("GET", SLEEPS, status=403, json=fixture_json("whoop", "error_403_deactivated_user"))

    run = run_import(whoop_connected["sleep"])

    assert run.error_code == "account_inactive"
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert mailoutbox == []
    page = page_text(logged_in.get(f"/connect/{whoop_connected['sleep'].pk}/"))
    assert "WHOOP told us the membership on this WHOOP account is not active" in page
    assert "revoked" not in page.lower()


def test_403_for_an_insufficient_scope_stops_only_that_feed(whoop_connected, http, run_import):
    http.add("GET", SLEEPS, status=403, json={"error": "insufficient_scope"})

    run = run_import(whoop_connected["sleep"])

    assert run.error_code == "scope_missing"
    assert _status(whoop_connected["sleep"]).label == "Permission missing: sleep"
    assert _status(whoop_connected["activities"]).label == "Connected"


def test_another_403_is_retried_and_never_read_as_the_persons(whoop_connected, http, run_import):
    http.add("GET", SLEEPS, status=403, json={"error": "forbidden"})

    run = run_import(whoop_connected["sleep"])

    assert run.error_code == "provider_refused"
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert _status(whoop_connected["sleep"]).label == "Connected"


def test_429_pauses_every_whoop_connection_until_the_reset(whoop_connected, http, run_import):
    http.add(
        "GET",
        WORKOUTS,
        status=429,
        headers={**fixture_json("whoop", "error_429_headers"), "X-RateLimit-Reset": "40"},
    )

    run = run_import(whoop_connected["activities"])

    assert run.error_code == "rate_limited"
    paused = provider_paused_until("whoop")
    assert timedelta(seconds=30) < paused - timezone.now() <= timedelta(seconds=40)
    sleep = run_import(whoop_connected["sleep"])  # never asks WHOOP while the app waits
    assert sleep.error_code == "rate_limited"
    assert not [c for c in http.calls if c.request.url.startswith(SLEEPS)]
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_an_allowance_nearly_spent_pauses_the_whole_app(whoop_connected, http, run_import):
    headers = {**fixture_json("whoop", "rate_limit_headers_ok"), "X-RateLimit-Remaining": "3"}
    http.add("GET", WORKOUTS, json=fixture_json("whoop", "workout_page1"), headers=headers)

    run = run_import(whoop_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.PARTIAL, "rate_limited")
    assert provider_paused_until("whoop") is not None


def test_the_declared_allowance_of_100_a_minute_is_counted_across_imports(
    whoop_connected, http, run_import
):
    from django.core.cache import cache

    from connections.services.pacing import COUNT_KEY, window_bounds

    start, _end = window_bounds("minute", timezone.now())
    key = COUNT_KEY.format(provider="whoop", window="minute", start=start.isoformat())
    cache.set(key, 98, timeout=120)

    run = run_import(whoop_connected["activities"])

    assert run.error_code == "rate_limited"
    assert not [c for c in http.calls if c.request.url.startswith(WORKOUTS)]


def _spent_today(calls: int) -> None:
    """WHOOP calls Tendon has made today (UTC), as every worker counts them."""
    from django.core.cache import cache

    from connections.services.pacing import COUNT_KEY, window_bounds

    start, _end = window_bounds("day", timezone.now())
    key = COUNT_KEY.format(provider="whoop", window="day", start=start.isoformat())
    cache.set(key, calls, timeout=86_400)


def test_the_declared_allowance_of_10000_a_day_stops_imports_until_midnight_utc(
    whoop_connected, http, run_import
):
    _spent_today(9_998)  # two short of WHOOP's 10,000: the margin for calls in flight

    run = run_import(whoop_connected["activities"])

    assert run.error_code == "rate_limited"
    assert not [c for c in http.calls if c.request.url.startswith(WORKOUTS)]
    midnight = datetime.combine(timezone.now().date() + timedelta(days=1), time.min, tzinfo=UTC)
    assert provider_paused_until("whoop") == midnight


def test_a_day_with_room_left_under_10000_calls_still_imports(whoop_connected, http, run_import):
    _spent_today(9_990)
    _pages(http, WORKOUTS, "workout")

    run = run_import(whoop_connected["activities"])

    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 3)


def test_5xx_is_retried_later_and_never_flags(whoop_connected, http, run_import):
    http.add("GET", WORKOUTS, status=500, body="Server error occurred while making request")

    run = run_import(whoop_connected["activities"])

    assert run.error_code == "unreachable"
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_garbage_stores_nothing_and_is_explained(whoop_connected, http, run_import, logged_in):
    http.add("GET", WORKOUTS, body="<html>oops</html>", content_type="text/html")
    http.add("GET", SLEEPS, json={"records": "not a list"})

    assert run_import(whoop_connected["activities"]).error_code == "bad_response"
    assert run_import(whoop_connected["sleep"]).error_code == "bad_response"
    assert not Activity.objects.exists() and not SleepSession.objects.exists()
    page = page_text(logged_in.get(f"/connect/{whoop_connected['sleep'].pk}/"))
    assert "answered with something we could not read, so nothing was stored" in page
