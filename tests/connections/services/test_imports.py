"""The import service against the real demo provider: incremental, idempotent, resumable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from connections.models import Connection, ImportRun
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession
from sandbox import data
from tests.conftest import page_text, serve_from_demo

pytestmark = pytest.mark.django_db


def _rows(model) -> list[tuple]:
    fields = [
        f.name for f in model._meta.fields if f.name not in ("id", "imported_at", "updated_at")
    ]
    return sorted(model.objects.values_list(*fields))


def test_first_import_backfills_the_configured_days(settings, demo_connected, run_import, user):
    settings.IMPORT_BACKFILL_DAYS = 30
    sleep = demo_connected("sleep")["sleep"]

    run = run_import(sleep)

    assert run.outcome == ImportRun.Outcome.OK
    nights = SleepSession.objects.filter(user=user)
    assert run.created_count == nights.count() >= 29
    oldest = nights.order_by("end").first().end
    assert oldest >= timezone.now() - timedelta(days=31)
    sleep.refresh_from_db()
    assert sleep.cursor is not None and sleep.last_success_at is not None


def test_second_identical_run_creates_nothing(demo_connected, run_import, user):
    activities = demo_connected("activities")["activities"]
    run_import(activities)
    before = _rows(Activity)

    again = run_import(Connection.objects.get(pk=activities.pk))

    assert again.outcome == ImportRun.Outcome.OK
    assert (again.created_count, again.updated_count) == (0, 0)
    assert _rows(Activity) == before


@pytest.mark.parametrize("feed", ["activities", "sleep", "body", "heart_rate", "daily"])
def test_reading_the_same_records_again_writes_nothing_to_the_records(
    demo_connected, run_import, feed
):
    from django.db import connection as database
    from django.test.utils import CaptureQueriesContext

    connection = demo_connected(feed)[feed]
    first = run_import(connection)
    month_ago = timezone.now() - timedelta(days=29)  # read the month again, not only the overlap
    Connection.objects.filter(pk=connection.pk).update(cursor=month_ago)
    run_import(Connection.objects.get(pk=connection.pk))
    Connection.objects.filter(pk=connection.pk).update(cursor=month_ago)

    with CaptureQueriesContext(database) as queries:
        again = run_import(Connection.objects.get(pk=connection.pk))

    assert first.created_count > 0
    assert (again.outcome, again.created_count, again.updated_count) == (ImportRun.Outcome.OK, 0, 0)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and '"records_' in q["sql"]
    ]
    assert writes == []


def test_every_feed_imports_the_demo_data(demo_connected, run_import, user):
    connections = demo_connected("activities", "sleep", "body", "heart_rate", "daily")

    for connection in connections.values():
        assert run_import(connection).outcome == ImportRun.Outcome.OK

    uid = f"demo-{user.pk}"
    today = timezone.now().date()
    day = today - timedelta(days=3)
    summary = DailySummary.objects.get(user=user, date=day)
    assert summary.steps == data.daily_steps(uid, day)
    assert summary.resting_heart_rate is not None
    assert BodyMeasurement.objects.filter(user=user).exists()
    assert Activity.objects.filter(user=user).exists()


def test_data_page_shows_counts_and_sources(logged_in, demo_connected, run_import, user):
    run_import(demo_connected("sleep")["sleep"])

    page = page_text(logged_in.get("/data/"))

    count = SleepSession.objects.filter(user=user).count()
    assert f"Sleep ({count} records)" in page
    assert "Demo Health" in page


def test_a_run_that_dies_mid_way_resumes_with_no_gap_and_no_duplicate(
    settings, demo_connected, run_import, http, user
):
    settings.IMPORT_BACKFILL_DAYS = 30
    body = demo_connected("body")["body"]
    calls = {"n": 0}
    original = http.registered()[:]

    def failing_after_two_pages(request):
        # The network goes away once some records are in (which page depends on the account).
        if "/dataTypes/" in request.url and calls["n"] >= 0:
            calls["n"] += 1
            if calls["n"] > 2 and BodyMeasurement.objects.exists():
                raise requests.ConnectionError("the network went away")

        return serve_from_demo(request)

    http.reset()
    http.add_callback("GET", original[0].url, callback=failing_after_two_pages)
    http.add_callback("POST", original[1].url, callback=failing_after_two_pages)

    broken = run_import(body)

    assert broken.outcome == ImportRun.Outcome.FAILED
    assert broken.created_count > 0
    stopped_at = Connection.objects.get(pk=body.pk)
    assert stopped_at.cursor is not None or stopped_at.chunk_token
    calls["n"] = -10_000  # the network is back

    resumed = run_import(stopped_at)

    assert resumed.outcome == ImportRun.Outcome.OK
    interrupted = _rows(BodyMeasurement)
    BodyMeasurement.objects.all().delete()
    Connection.objects.filter(pk=body.pk).update(cursor=None, chunk_start=None, chunk_end=None)
    assert run_import(Connection.objects.get(pk=body.pk)).outcome == ImportRun.Outcome.OK
    assert _rows(BodyMeasurement) == interrupted


def test_next_run_is_scheduled_about_one_interval_later(settings, demo_connected, run_import):
    settings.IMPORT_INTERVAL_MINUTES = 60
    sleep = demo_connected("sleep")["sleep"]

    run_import(sleep)

    sleep.refresh_from_db()
    wait = sleep.next_run_at - timezone.now()
    assert timedelta(minutes=53) < wait < timedelta(minutes=67)
    assert sleep.claim_token is None and sleep.claimed_until is None


def test_disabled_connection_is_skipped(demo_connected, run_import, logged_in):
    from connections.services.imports import import_run_execute
    from connections.services.scheduling import connection_import_now

    sleep = demo_connected("sleep")["sleep"]
    run = connection_import_now(connection=sleep)
    logged_in.post(f"/connect/{sleep.pk}/disable/")

    finished = import_run_execute(run=run)

    assert finished.outcome == ImportRun.Outcome.SKIPPED
    assert not SleepSession.objects.exists()


def test_detail_page_shows_the_run(logged_in, demo_connected, run_import):
    sleep = demo_connected("sleep")["sleep"]
    run = run_import(sleep)

    page = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert "Import history" in page
    assert f"{run.created_count}" in page and "Imported" in page


def test_known_per_user_budget_pauses_before_it_runs_out(demo_connected, run_import, http):
    from connections.models import Credential

    sleep = demo_connected("sleep")["sleep"]
    Credential.objects.filter(pk=sleep.credential_id).update(
        calls_window_start=timezone.now() - timedelta(minutes=10), calls_in_window=148
    )
    calls_before = len(http.calls)

    run = run_import(Connection.objects.get(pk=sleep.pk))

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "rate_limited")
    assert len(http.calls) == calls_before  # not one request spent
    paused = Connection.objects.get(pk=sleep.pk).paused_until - timezone.now()
    assert timedelta(minutes=49) < paused <= timedelta(minutes=50)


def test_a_per_user_budget_window_that_ended_starts_again_with_the_runs_calls(
    demo_connected, run_import
):
    from connections.models import Credential

    sleep = demo_connected("sleep")["sleep"]
    Credential.objects.filter(pk=sleep.credential_id).update(
        calls_window_start=timezone.now() - timedelta(hours=2), calls_in_window=148
    )

    run = run_import(Connection.objects.get(pk=sleep.pk))

    credential = Credential.objects.get(pk=sleep.credential_id)
    assert run.outcome == ImportRun.Outcome.OK
    assert credential.calls_in_window == run.api_calls
    assert timezone.now() - credential.calls_window_start < timedelta(minutes=1)


def test_run_task_for_a_vanished_run_does_nothing(db):
    from connections.tasks import run_import as task

    assert task(999_999) == "gone"
