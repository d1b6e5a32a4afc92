"""Oura feeds through the import service: next_token paging, the merged daily summary, heart
rate in whole days at most 30 days a request, units, and every failure classified."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers import PROVIDERS
from connections.selectors import connection_status
from records.models import Activity, DailySummary, SleepSession
from tests.conftest import OURA, fixture_json, page_text, query_of
from tests.connections.oura.conftest import collection

pytestmark = pytest.mark.django_db
WORKOUT, SLEEP, HEART_RATE = collection("workout"), collection("sleep"), collection("heartrate")
NEXT = fixture_json("oura", "workout_page1")["next_token"]


@pytest.fixture(autouse=True)
def one_window(settings):
    settings.IMPORT_BACKFILL_DAYS = 5  # one import window


def _calls(http, url):
    return [query_of(c.request.url) for c in http.calls if c.request.url.split("?")[0] == url]


def _status(connection):
    return connection_status(connection=Connection.objects.get(pk=connection.pk))


def test_workouts_follow_next_token_and_keep_the_window(oura_connected, http, run_import):
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page1"))
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page2"))

    run = run_import(oura_connected["activities"])

    assert (run.outcome, run.created_count, run.api_calls) == (ImportRun.Outcome.OK, 2, 2)
    first, second = _calls(http, WORKOUT)
    assert "next_token" not in first and second["next_token"] == NEXT
    assert (first["start_date"], first["end_date"]) == (second["start_date"], second["end_date"])
    assert date.fromisoformat(first["end_date"]) == timezone.now().date() + timedelta(days=1)


def test_a_workout_is_stored_in_kilocalories_metres_and_minutes(oura_connected, http, run_import):
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page1"))
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page2"))

    run_import(oura_connected["activities"])

    walk = Activity.objects.get(key="e8f5a6b7-4253-4e9f-a0a1-b2c3d4e5f607")
    assert (walk.activity_type, walk.name) == ("walking", "walking")
    assert walk.calories == 182.5 and walk.distance_m is None
    assert walk.duration == timedelta(minutes=40)
    assert walk.start == datetime(2021, 1, 2, 17, 5, tzinfo=UTC)
    ride = Activity.objects.get(key="8f9a5221-639e-4a85-81cb-4065ef23f979")
    assert (ride.calories, ride.distance_m) == (300, 13500.5)
    assert ride.duration is None  # Oura's own example ends before it starts


def test_sleep_periods_are_stored_in_minutes_per_stage(oura_connected, http, run_import):
    http.add("GET", SLEEP, json=fixture_json("oura", "sleep_page1"))
    http.add("GET", SLEEP, json=fixture_json("oura", "sleep_page2"))

    run = run_import(oura_connected["sleep"])

    assert run.created_count == 2
    night = SleepSession.objects.get(key="d7e4f5a6-3142-4d8e-9f90-a1b2c3d4e5f6")
    assert night.minutes_asleep == 430  # total_sleep_duration 25800 s
    assert night.stages == {"deep": 90, "light": 225, "rem": 115, "awake": 35}
    assert night.end - night.start == timedelta(hours=7, minutes=45)
    docs_example = SleepSession.objects.get(key="8f9a5221-639e-4a85-81cb-4065ef23f979")
    assert docs_example.minutes_asleep == 420  # no total given: deep + light + rem


def test_sleep_that_oura_marks_deleted_or_rejected_is_not_stored(oura_connected, http, run_import):
    page = fixture_json("oura", "sleep_page2")
    rejected = {**page["data"][0], "id": "rejected", "type": "rest"}
    deleted = {**page["data"][0], "id": "deleted", "type": "deleted"}
    http.add("GET", SLEEP, json={"data": [*page["data"], rejected, deleted], "next_token": None})

    run_import(oura_connected["sleep"])

    assert list(SleepSession.objects.values_list("key", flat=True)) == [page["data"][0]["id"]]


def test_sleep_that_reaches_oura_a_day_late_is_stored_by_the_next_import(
    oura_connected, http, run_import
):
    http.add("GET", SLEEP, json={"data": [], "next_token": None})
    assert run_import(oura_connected["sleep"]).created_count == 0
    night = fixture_json("oura", "sleep_page2")["data"][0]
    went_to_bed = (timezone.now() - timedelta(days=1)).replace(hour=22, minute=0, microsecond=0)
    late = {
        **night,
        "day": (went_to_bed + timedelta(days=1)).date().isoformat(),
        "bedtime_start": went_to_bed.isoformat(),
        "bedtime_end": (went_to_bed + timedelta(hours=7, minutes=45)).isoformat(),
    }
    http.replace("GET", SLEEP, json={"data": [late], "next_token": None})

    run = run_import(oura_connected["sleep"])

    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 1)
    reread = _calls(http, SLEEP)[-1]
    assert date.fromisoformat(reread["start_date"]) <= went_to_bed.date() - timedelta(days=1)
    assert SleepSession.objects.get().start == went_to_bed


def _daily_pages(http):
    for name in ("daily_activity", "daily_sleep", "daily_readiness"):
        http.add("GET", collection(name), json=fixture_json("oura", f"{name}_page1"))
        http.add("GET", collection(name), json=fixture_json("oura", f"{name}_page2"))


def test_daily_summary_merges_oura_s_three_daily_documents_page_by_page(
    oura_connected, http, run_import
):
    _daily_pages(http)

    run = run_import(oura_connected["daily"])

    assert (run.outcome, run.api_calls) == (ImportRun.Outcome.OK, 6)
    for name in ("daily_activity", "daily_sleep", "daily_readiness"):
        assert _calls(http, collection(name))[1]["next_token"] == NEXT
    day = DailySummary.objects.get(date=date(2021, 11, 26))
    assert (day.steps, day.calories, day.distance_m) == (18430, 3446, 20122)
    assert day.active_minutes == 151  # medium 6060 s + high 3000 s
    assert day.raw["daily_activity"]["score"] == 82
    scored = DailySummary.objects.get(date=date(2022, 7, 14))
    assert scored.raw["daily_sleep"]["score"] == 63 and scored.steps is None
    assert DailySummary.objects.get(date=date(2021, 10, 27)).raw["daily_readiness"]["score"] == 66
    assert DailySummary.objects.count() == 6


def test_daily_summary_keeps_ouras_activity_sleep_and_readiness_scores(
    oura_connected, http, run_import
):
    _daily_pages(http)

    run_import(oura_connected["daily"])

    active = DailySummary.objects.get(date=date(2021, 11, 26))
    assert (active.activity_score, active.sleep_score, active.readiness_score) == (82, None, None)
    assert DailySummary.objects.get(date=date(2022, 7, 14)).sleep_score == 63
    assert DailySummary.objects.get(date=date(2021, 10, 27)).readiness_score == 66
    assert not DailySummary.objects.filter(strain__isnull=False).exists()  # WHOOP's, not Oura's


def _moved(page: dict, days_ago: int) -> dict:
    """Oura's sample page, its samples moved (day and time kept apart) into the window."""
    day = timezone.now().date() - timedelta(days=days_ago)
    for sample in page["data"]:
        when = datetime.fromisoformat(sample["timestamp"])
        moved = datetime.combine(day, when.timetz())
        sample["timestamp"] = moved.isoformat()
        sample["timestamp_unix"] = int(moved.timestamp() * 1000)
    return page


def test_heart_rate_gives_each_day_its_lowest_sleeping_rate(oura_connected, http, run_import):
    http.add("GET", HEART_RATE, json=_moved(fixture_json("oura", "heartrate_page1"), 2))
    http.add("GET", HEART_RATE, json=_moved(fixture_json("oura", "heartrate_page2"), 2))

    run = run_import(oura_connected["heart_rate"])

    assert run.outcome == ImportRun.Outcome.OK
    first, second = _calls(http, HEART_RATE)
    start = datetime.fromisoformat(first["start_datetime"])
    end = datetime.fromisoformat(first["end_datetime"])
    assert (start.hour, start.minute, end.hour, end.minute) == (0, 0, 0, 0)  # whole days
    assert end - start <= timedelta(days=30)
    assert second["next_token"] == NEXT
    day = DailySummary.objects.get(date=timezone.now().date() - timedelta(days=2))
    assert day.resting_heart_rate == 60  # beats per minute; the awake 78 does not count


def test_heart_rate_asks_for_at_most_30_days_at_a_time(oura_app, http):
    client = PROVIDERS["oura"].client(client_id="id", client_secret="secret")
    http.add("GET", HEART_RATE, json={"data": [], "next_token": None})
    start = datetime(2026, 9, 1, 13, 30, tzinfo=UTC)

    page = client.fetch_feed(
        access_token="a", feed="heart_rate", start=start, end=start + timedelta(days=45), token=None
    )
    rest = client.fetch_feed(
        access_token="a",
        feed="heart_rate",
        start=start,
        end=start + timedelta(days=45),
        token=page.next_token,
    )

    spans = [
        (datetime.fromisoformat(c["start_datetime"]), datetime.fromisoformat(c["end_datetime"]))
        for c in _calls(http, HEART_RATE)
    ]
    assert spans[0] == (datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))
    assert spans[1] == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 17, tzinfo=UTC))
    assert page.next_token and rest.next_token is None


# 401 / 403 / 429 / 5xx / garbage


def _expire(connection):
    Credential.objects.filter(pk=connection.credential_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_401_cured_by_one_refresh_is_not_a_dead_grant(oura_connected, http, run_import):
    http.add("GET", WORKOUT, status=401, json=fixture_json("oura", "error_401"))
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token_refreshed"))
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page2"))

    run = run_import(oura_connected["activities"])

    assert run.outcome == ImportRun.Outcome.OK
    retried = [c for c in http.calls if c.request.url.startswith(WORKOUT)][-1]
    assert retried.request.headers["Authorization"] == "Bearer Q8WNE3RT5YU7IO9PA2SD4FG6HJ1KL3ZX"


def test_401_that_survives_a_refresh_needs_reauthorization(
    oura_connected, http, run_import, logged_in
):
    http.add("GET", WORKOUT, status=401, json=fixture_json("oura", "error_401"))
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token_refreshed"))

    run = run_import(oura_connected["activities"])

    assert run.error_code == "needs_reauth"
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert "Needs re-authorization" in page_text(logged_in.get("/connect/"))


def test_403_for_a_lapsed_membership_is_said_plainly_and_never_flags(
    oura_connected, http, run_import, logged_in, mailoutbox
):
    http.add("GET", WORKOUT, status=403, json=fixture_json("oura", "error_403_membership"))

    run = run_import(oura_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "account_inactive")
    credential = Credential.objects.get()
    assert credential.status == Credential.Status.ACTIVE and "workout" in credential.scopes
    assert mailoutbox == []
    page = page_text(logged_in.get(f"/connect/{oura_connected['activities'].pk}/"))
    assert "Oura told us the membership on this Oura account is not active" in page
    assert "once the membership is renewed, importing resumes on its own" in page
    assert "revoked" not in page.lower() and "Needs re-authorization" not in page


def test_a_bare_forbidden_reads_as_a_lapsed_membership_too(oura_connected, http, run_import):
    http.add(
        "GET", WORKOUT, status=403, json=fixture_json("oura", "error_403_observed_detail_only")
    )

    assert run_import(oura_connected["activities"]).error_code == "account_inactive"


def test_days_of_a_lapsed_membership_show_as_such_not_as_silence(oura_connected, http, run_import):
    http.add("GET", WORKOUT, status=403, json=fixture_json("oura", "error_403_membership"))
    run_import(oura_connected["activities"])
    Connection.objects.filter(pk=oura_connected["activities"].pk).update(
        failing_since=timezone.now() - timedelta(days=4)
    )

    status = _status(oura_connected["activities"])

    assert status.label.startswith("Error: no data shared since")
    assert "membership on this account is not active" in status.explanation


def test_403_naming_a_missing_scope_stops_only_that_feed(
    oura_connected, http, run_import, logged_in
):
    http.add("GET", HEART_RATE, status=403, json=fixture_json("oura", "error_403_missing_scope"))

    run = run_import(oura_connected["heart_rate"])

    assert run.error_code == "scope_missing"
    assert _status(oura_connected["heart_rate"]).label == "Permission missing: heart rate"
    assert _status(oura_connected["activities"]).label == "Connected"
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert (
        oura_connected["heart_rate"]
        .events.filter(kind=ConnectionEvent.Kind.PERMISSION_MISSING)
        .exists()
    )


def test_429_pauses_until_retry_after_and_never_flags(oura_connected, http, run_import):
    headers = fixture_json("oura", "error_429_headers")
    http.add("GET", WORKOUT, status=429, json=fixture_json("oura", "error_429"), headers=headers)

    run = run_import(oura_connected["activities"])

    assert run.error_code == "rate_limited"
    paused = Connection.objects.get(pk=oura_connected["activities"].pk).paused_until
    assert timedelta(seconds=50) < paused - timezone.now() <= timedelta(seconds=60)
    assert _status(oura_connected["activities"]).label.startswith("Connected — paused until")
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_5xx_is_retried_later_and_never_flags(oura_connected, http, run_import):
    http.add("GET", WORKOUT, status=502, body="Bad gateway")

    run = run_import(oura_connected["activities"])

    assert run.error_code == "unreachable"
    connection = Connection.objects.get(pk=oura_connected["activities"].pk)
    assert connection.next_run_at > timezone.now() + timedelta(minutes=2)
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_garbage_stores_nothing_and_is_explained(oura_connected, http, run_import, logged_in):
    http.add("GET", WORKOUT, body="<html>maintenance</html>", content_type="text/html")
    http.add("GET", SLEEP, json={"data": {"not": "a list"}, "next_token": None})

    assert run_import(oura_connected["activities"]).error_code == "bad_response"
    assert run_import(oura_connected["sleep"]).error_code == "bad_response"
    assert not Activity.objects.exists() and not SleepSession.objects.exists()
    page = page_text(logged_in.get(f"/connect/{oura_connected['sleep'].pk}/"))
    assert "answered with something we could not read, so nothing was stored" in page


def test_a_feed_whose_scope_was_not_granted_never_asks_oura(
    logged_in, user, oura_connect, http, run_import
):
    oura_connect(logged_in, granted="email personal daily workout")
    heart_rate = Connection.objects.get(user=user, feed="heart_rate")
    calls = len(http.calls)

    run = run_import(heart_rate)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.SKIPPED, "scope_missing")
    assert len(http.calls) == calls
    assert _status(heart_rate).label == "Permission missing: heart rate"
