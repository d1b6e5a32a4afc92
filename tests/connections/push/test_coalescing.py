"""A hint makes work happen now, once: bursts coalesce, follow-ups, windows, polling less often."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ImportRun, WebhookHint
from connections.providers import PROVIDERS
from tests.conftest import GOOGLE, fixture_json, page_text, query_of
from tests.connections.push.conftest import notification

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"


def _exercise_answer(request):
    return 200, {}, json.dumps(fixture_json("google_health", "exercise_page"))


def test_a_burst_of_100_hints_gives_one_run_and_one_follow_up(
    google_push, google_activities, http, run_tasks
):
    during_run: list[int] = []

    def exercise(request):
        if not during_run:  # the watch keeps syncing while the first import runs
            during_run.extend(google_push.post(notification()).status_code for _ in range(50))
        return _exercise_answer(request)

    http.add_callback("GET", EXERCISE, callback=exercise)
    before_run = [google_push.post(notification()).status_code for _ in range(50)]

    run_tasks()

    assert before_run + during_run == [204] * 100
    runs = ImportRun.objects.filter(connection=google_activities)
    assert [r.outcome for r in runs] == [ImportRun.Outcome.OK, ImportRun.Outcome.OK]
    assert Counter(WebhookHint.objects.values_list("reason", flat=True)) == {
        "queued": 1,
        "coalesced": 99,
    }
    assert Connection.objects.get(pk=google_activities.pk).hint_pending_at is None


def test_hints_while_the_run_is_still_queued_need_no_follow_up(
    google_push, google_activities, http, run_tasks
):
    http.add_callback("GET", EXERCISE, callback=_exercise_answer)
    for _ in range(10):
        google_push.post(notification())

    run_tasks()

    assert ImportRun.objects.filter(connection=google_activities).count() == 1


def test_a_failed_run_leaves_the_hint_to_its_backoff(
    google_push, google_activities, http, run_tasks
):
    def failing(request):
        google_push.post(notification())
        return 503, {}, "{}"

    http.add_callback("GET", EXERCISE, callback=failing)
    google_push.post(notification())

    run_tasks()

    (run,) = ImportRun.objects.filter(connection=google_activities)
    assert run.outcome == ImportRun.Outcome.FAILED
    connection = Connection.objects.get(pk=google_activities.pk)
    assert connection.next_run_at > timezone.now() + timedelta(minutes=2)  # backing off
    assert connection.hint_pending_at is None


def test_a_hint_waits_while_the_provider_asks_to_slow_down(google_push, google_activities):
    Connection.objects.filter(pk=google_activities.pk).update(
        paused_until=timezone.now() + timedelta(minutes=20)
    )

    assert google_push.post(notification()).status_code == 204

    assert ImportRun.objects.count() == 0
    assert WebhookHint.objects.get().reason == "paused"


def test_a_hint_over_the_providers_cap_is_left_to_the_dispatcher(
    google_push, google_activities, monkeypatch
):
    spec = dataclasses.replace(PROVIDERS["google_health"], max_concurrent_imports=0)
    monkeypatch.setitem(PROVIDERS, "google_health", spec)

    google_push.post(notification())

    assert ImportRun.objects.count() == 0
    assert WebhookHint.objects.get().reason == "due"
    assert Connection.objects.get(pk=google_activities.pk).next_run_at <= timezone.now()


def test_a_verified_hint_for_older_data_reads_that_interval_again(
    google_push, google_activities, http, run_tasks
):
    now = timezone.now()
    Connection.objects.filter(pk=google_activities.pk).update(cursor=now)
    http.add_callback("GET", EXERCISE, callback=_exercise_answer)
    old = now - timedelta(days=10)

    google_push.post(
        notification(start=f"{old:%Y-%m-%dT%H:%M:%SZ}", end=f"{old:%Y-%m-%dT%H:%M:%SZ}")
    )
    run_tasks()

    filters = [
        query_of(c.request.url)["filter"] for c in http.calls if c.request.url.startswith(EXERCISE)
    ]
    low = (old - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert any(f'>= "{low}' in f for f in filters), filters
    assert Connection.objects.get(pk=google_activities.pk).reread_start is None  # done


def test_a_hint_more_than_30_days_back_reaches_back_30_days_at_most(google_push, google_activities):
    now = timezone.now()
    Connection.objects.filter(pk=google_activities.pk).update(cursor=now)
    ancient = now - timedelta(days=90)
    stamp = f"{ancient:%Y-%m-%dT%H:%M:%SZ}"
    google_push.post(
        notification(start=stamp, end=f"{now - timedelta(days=20):%Y-%m-%dT%H:%M:%SZ}")
    )

    connection = Connection.objects.get(pk=google_activities.pk)
    assert now - timedelta(days=30, minutes=1) < connection.reread_start < now - timedelta(days=29)


def test_after_a_verified_push_polling_slows_to_the_reconcile_interval(
    settings, google_push, google_activities, http, run_tasks, logged_in
):
    settings.PUSH_RECONCILE_HOURS = 6
    http.add_callback("GET", EXERCISE, callback=_exercise_answer)

    google_push.post(notification())
    run_tasks()

    connection = Connection.objects.get(pk=google_activities.pk)
    wait = connection.next_run_at - timezone.now()
    assert timedelta(hours=5) < wait < timedelta(hours=7)
    text = page_text(logged_in.get(f"/connect/{connection.pk}/"))
    assert (
        "Updates arrive as soon as Fitbit & Pixel Watch sends them; we also check every 6 hours."
        in text
    )


def test_without_a_recent_push_the_connection_polls_as_before(
    google_activities, logged_in, http, run_import
):
    Connection.objects.filter(pk=google_activities.pk).update(
        last_push_at=timezone.now() - timedelta(days=2)
    )
    http.add_callback("GET", EXERCISE, callback=_exercise_answer)

    run_import(Connection.objects.get(pk=google_activities.pk))

    connection = Connection.objects.get(pk=google_activities.pk)
    assert connection.next_run_at - timezone.now() < timedelta(minutes=70)
    assert "Importing every 60 minutes." in page_text(logged_in.get(f"/connect/{connection.pk}/"))


def test_after_a_verified_push_the_connect_card_says_updates_arrive_as_pushed(
    google_push, google_activities, logged_in
):
    before = page_text(logged_in.get("/connect/"))

    assert google_push.post(notification()).status_code == 204

    after = page_text(logged_in.get("/connect/"))
    assert "Importing every 60 minutes" in before
    assert "Updates arrive as Fitbit & Pixel Watch sends them" in after
    assert "Importing every 60 minutes" not in after


def test_a_run_whose_claim_lapsed_leaves_the_hint_to_the_run_that_holds_the_claim_now(
    google_activities, http
):
    import uuid

    from connections.services.imports import import_run_execute
    from connections.services.scheduling import connection_import_now

    newer = uuid.uuid4()

    def exercise(request):  # meanwhile the claim lapsed, a newer run holds it and a hint came
        Connection.objects.filter(pk=google_activities.pk).update(
            claim_token=newer,
            claimed_until=timezone.now() + timedelta(minutes=5),
            hint_pending_at=timezone.now(),
        )
        return _exercise_answer(request)

    http.add_callback("GET", EXERCISE, callback=exercise)
    stale = connection_import_now(connection=google_activities)

    import_run_execute(run=stale)

    after = Connection.objects.get(pk=google_activities.pk)
    assert (after.claim_token, after.hint_pending_at is not None) == (newer, True)
    assert ImportRun.objects.filter(connection=google_activities).count() == 1
