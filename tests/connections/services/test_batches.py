"""Several imports at once in one worker: the dispatcher's batches, and every guarantee of a
single import kept when runs share a process (token door, cursor, outcomes, slow providers)."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from connections.models import Connection, Credential, ImportRun
from connections.providers.google_health.scopes import ACTIVITY, HEALTH_METRICS, SLEEP
from connections.services.batches import import_runs_execute
from connections.services.imports import import_run_execute
from connections.services.scheduling import (
    connection_import_now,
    import_claim_next,
    import_claim_some,
    imports_dispatch_due,
)
from records.models import Activity, BodyMeasurement, DailySummary, DailyValue, SleepSession
from tests.conftest import GOOGLE

DATA_POINTS = re.compile(re.escape(GOOGLE["api_url"]) + r"/v4/users/me/dataTypes/.*")


@pytest.fixture
def queue():
    """The configured broker (ORM or Redis), emptied."""
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def queued(broker) -> list[tuple[str, tuple]]:
    """The tasks waiting in the broker, as (function, arguments)."""
    tasks = []
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            task = SignedPackage.loads(payload)
            tasks.append((task["func"], tuple(task["args"])))
            broker.acknowledge(ack_id)
    return tasks


@pytest.fixture
def google_grant(user_factory, google_app):
    """A person's Google grant with a valid access token and the given feeds, all due now, last
    imported an hour ago (a steady state)."""

    def make(*feeds: str, expires_in: timedelta = timedelta(hours=1)) -> list[Connection]:
        owner = user_factory()
        now = timezone.now()
        credential = Credential.objects.create(
            user=owner,
            provider="google_health",
            account_uid=f"acct-{owner.pk}",
            access_token="old-access",
            refresh_token="old-refresh",
            expires_at=now + expires_in,
            last_refreshed_at=now - timedelta(minutes=1),
            scopes=[ACTIVITY, SLEEP, HEALTH_METRICS],
        )
        return [
            Connection.objects.create(
                user=owner,
                provider="google_health",
                feed=feed,
                account_uid=credential.account_uid,
                credential=credential,
                cursor=now - timedelta(hours=1),
                last_success_at=now - timedelta(hours=1),
                next_run_at=now - timedelta(seconds=1),
            )
            for feed in feeds
        ]

    return make


def _records() -> dict[str, list[tuple]]:
    def rows(model, *skip: str) -> list[tuple]:
        fields = [
            f.attname
            for f in model._meta.fields
            if f.name not in ("id", "imported_at", "updated_at", *skip)
        ]
        return sorted(model.objects.values_list(*fields))

    return {
        "activities": rows(Activity),
        "sleep": rows(SleepSession),
        "body": rows(BodyMeasurement),
        "daily": rows(DailySummary),
        "daily_values": rows(DailyValue),
    }


@pytest.mark.django_db
def test_dispatcher_hands_out_due_runs_in_groups_of_import_concurrency(
    settings, google_grant, queue, django_capture_on_commit_callbacks
):
    settings.IMPORT_CONCURRENCY = 4
    for _ in range(10):
        google_grant("sleep")

    with django_capture_on_commit_callbacks(execute=True):
        run_ids = imports_dispatch_due()

    tasks = queued(queue)
    assert [func for func, _args in tasks] == ["connections.tasks.run_imports"] * 3
    assert [len(args[0]) for _func, args in tasks] == [4, 4, 2]
    assert sorted(i for _func, args in tasks for i in args[0]) == sorted(run_ids)


@pytest.mark.django_db
def test_a_batch_never_exceeds_the_providers_cap_on_imports_at_once(
    settings, google_grant, queue, monkeypatch, django_capture_on_commit_callbacks
):
    import dataclasses

    from connections.providers import PROVIDERS

    spec = dataclasses.replace(PROVIDERS["google_health"], max_concurrent_imports=3)
    monkeypatch.setitem(PROVIDERS, "google_health", spec)
    settings.IMPORT_CONCURRENCY = 8
    for _ in range(10):
        google_grant("sleep")

    with django_capture_on_commit_callbacks(execute=True):
        first = imports_dispatch_due()
        second = imports_dispatch_due()

    assert len(first) == 3 and second == []
    assert queued(queue) == [("connections.tasks.run_imports", (first,))]
    assert Connection.objects.filter(claimed_until__gt=timezone.now()).count() == 3


@pytest.mark.django_db
def test_sync_now_still_enqueues_its_run_alone_to_start_at_once(
    settings, google_grant, queue, django_capture_on_commit_callbacks
):
    settings.IMPORT_CONCURRENCY = 8
    (connection,) = google_grant("sleep")

    with django_capture_on_commit_callbacks(execute=True):
        run = connection_import_now(connection=connection)

    assert queued(queue) == [("connections.tasks.run_import", (run.pk,))]


@pytest.mark.django_db
def test_steady_state_sync_asks_one_request_and_writes_only_the_runs_bookkeeping(
    google_grant, http, django_assert_max_num_queries
):
    (connection,) = google_grant("sleep")
    credential_before = Credential.objects.values().get(pk=connection.credential_id)
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    run = connection_import_now(connection=connection)

    with django_assert_max_num_queries(25):
        outcomes = import_runs_execute(run_ids=[run.pk])

    assert outcomes == {ImportRun.Outcome.OK: 1}
    assert [call.request.method for call in http.calls] == ["GET"]  # no token refresh
    credential_after = Credential.objects.values().get(pk=connection.credential_id)
    for field in ("access_token", "refresh_token", "expires_at", "last_refreshed_at", "status"):
        assert credential_after[field] == credential_before[field]
    assert _records() == {k: [] for k in _records()}
    finished = ImportRun.objects.get(pk=run.pk)
    assert (finished.api_calls, finished.created_count, finished.updated_count) == (1, 0, 0)


@pytest.mark.django_db
def test_steady_state_sync_with_two_new_workouts_stores_them_with_one_request(google_grant, http):
    from tests.conftest import fixture_json

    (connection,) = google_grant("activities")
    http.add("GET", DATA_POINTS, json=fixture_json("google_health", "exercise_page"))
    run = connection_import_now(connection=connection)

    import_runs_execute(run_ids=[run.pk])

    assert len(http.calls) == 1
    assert ImportRun.objects.get(pk=run.pk).created_count == Activity.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_feeds_of_one_grant_in_one_batch_spend_the_refresh_token_once(settings, google_grant, http):
    settings.IMPORT_CONCURRENCY = 4
    connections = google_grant(
        "activities", "sleep", "body", "heart_rate", expires_in=timedelta(minutes=-1)
    )
    spent = []

    def token_endpoint(request):
        spent.append(request.body)
        time.sleep(0.3)  # a slow provider widens the window for a race
        return (
            200,
            {"Content-Type": "application/json"},
            '{"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600}',
        )

    http.add_callback("POST", GOOGLE["token_url"], callback=token_endpoint)
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    run_ids = imports_dispatch_due()
    assert len(run_ids) == len(connections)

    outcomes = import_runs_execute(run_ids=run_ids)

    assert outcomes == {ImportRun.Outcome.OK: 4}
    assert len(spent) == 1
    credential = Credential.objects.get(pk=connections[0].credential_id)
    assert (credential.access_token, credential.status) == ("new-access", "active")
    assert {
        c.request.headers["Authorization"] for c in http.calls if c.request.method == "GET"
    } == {"Bearer new-access"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_store_the_same_records_as_one_at_a_time(settings, demo_connected, user):
    feeds = ("activities", "sleep", "body", "heart_rate", "daily")
    connections = demo_connected(*feeds)

    def import_all(*, at_once: bool) -> dict:
        Connection.objects.filter(user=user).update(
            cursor=None, next_run_at=timezone.now(), claimed_until=None, claim_token=None
        )
        run_ids = imports_dispatch_due()
        batches = [run_ids] if at_once else [[run_id] for run_id in run_ids]
        outcomes = [import_runs_execute(run_ids=batch) for batch in batches]
        assert sum(o.get(ImportRun.Outcome.OK, 0) for o in outcomes) == len(connections)
        return _records()

    settings.IMPORT_CONCURRENCY = 1
    one_at_a_time = import_all(at_once=False)
    for model in (Activity, SleepSession, BodyMeasurement, DailySummary, DailyValue):
        model.objects.all().delete()
    settings.IMPORT_CONCURRENCY = len(feeds)
    at_once = import_all(at_once=True)

    assert all(one_at_a_time[kind] for kind in ("activities", "sleep", "body", "daily_values"))
    assert at_once == one_at_a_time


@pytest.mark.django_db(transaction=True)
def test_a_hanging_provider_does_not_hold_up_another_providers_import_in_the_same_batch(
    settings, monkeypatch, hanging_provider, google_grant, demo_connected, http
):
    # A short HTTP timeout, so the hanging provider's request gives up within the test.
    monkeypatch.setattr("connections.providers.base.TIMEOUT", (1, 1))
    settings.PROVIDER_ENDPOINTS = {
        **settings.PROVIDER_ENDPOINTS,
        "google_health": {**GOOGLE, "api_url": hanging_provider.url},
    }
    http.add_passthru(hanging_provider.url)
    demo = demo_connected("sleep")["sleep"]
    (google,) = google_grant("sleep")
    Connection.objects.filter(pk__in=[demo.pk, google.pk]).update(
        next_run_at=timezone.now() - timedelta(seconds=1), claimed_until=None
    )
    runs = {ImportRun.objects.get(pk=pk).connection_id: pk for pk in imports_dispatch_due()}

    import_runs_execute(run_ids=[runs[google.pk], runs[demo.pk]])

    hung = ImportRun.objects.get(pk=runs[google.pk])
    answered = ImportRun.objects.get(pk=runs[demo.pk])
    assert (hung.outcome, hung.error_code) == (ImportRun.Outcome.FAILED, "unreachable")
    assert "did not answer in time" in hung.error_message
    assert answered.outcome == ImportRun.Outcome.OK
    assert answered.finished_at < hung.finished_at
    assert SleepSession.objects.filter(provider="demo").exists()
    google.refresh_from_db()
    assert google.claimed_until is None and google.next_run_at > timezone.now()


@pytest.mark.django_db
def test_a_finished_batch_hands_out_what_its_providers_cap_held_back(
    settings, google_grant, http, monkeypatch, run_tasks, django_capture_on_commit_callbacks
):
    import dataclasses

    from connections.providers import PROVIDERS

    spec = dataclasses.replace(PROVIDERS["google_health"], max_concurrent_imports=2)
    monkeypatch.setitem(PROVIDERS, "google_health", spec)
    settings.IMPORT_CONCURRENCY = 1
    connections = [c for _ in range(5) for c in google_grant("sleep")]
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    with django_capture_on_commit_callbacks(execute=True):
        assert len(imports_dispatch_due()) == 2  # the cap; no scheduled dispatch follows

    done = run_tasks()

    assert {func for func, _result in done} == {"connections.tasks.run_imports"}
    ok = ImportRun.objects.filter(outcome=ImportRun.Outcome.OK)
    assert sorted(ok.values_list("connection_id", flat=True)) == sorted(c.pk for c in connections)


@pytest.mark.django_db(transaction=True)
def test_a_batchs_threads_take_on_the_next_due_imports_within_the_providers_cap(
    settings, google_grant, http, monkeypatch
):
    import dataclasses

    from connections.providers import PROVIDERS

    spec = dataclasses.replace(PROVIDERS["google_health"], max_concurrent_imports=2)
    monkeypatch.setitem(PROVIDERS, "google_health", spec)
    settings.IMPORT_CONCURRENCY = 2
    connections = [c for _ in range(6) for c in google_grant("sleep")]
    seen_at_once = []
    lock = threading.Lock()

    def data_points(request):
        with lock:
            seen_at_once.append(Connection.objects.filter(claimed_until__gt=timezone.now()).count())
        return 200, {"Content-Type": "application/json"}, '{"dataPoints": []}'

    http.add_callback("GET", DATA_POINTS, callback=data_points)
    batch = imports_dispatch_due()
    assert len(batch) == 2

    from connections.services.batches import import_batch_execute

    outcomes = import_batch_execute(run_ids=batch)

    assert outcomes == {ImportRun.Outcome.OK: 6}  # one task, every due connection
    assert max(seen_at_once) <= 2  # never more claims than the cap
    ok = ImportRun.objects.filter(outcome=ImportRun.Outcome.OK)
    assert sorted(ok.values_list("connection_id", flat=True)) == sorted(c.pk for c in connections)


@pytest.mark.django_db
def test_a_run_waiting_in_the_queue_is_taken_by_an_idle_thread_and_its_task_then_leaves_it(
    google_grant, http, queue, django_capture_on_commit_callbacks
):
    (connection,) = google_grant("sleep")
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_import_now(connection=connection)  # its task waits behind busy workers

    taken = import_claim_next()  # a worker thread that has just finished its import
    import_run_execute(run=taken)
    late = import_runs_execute(run_ids=[run.pk])  # the task, when a worker gets to it

    assert taken.pk == run.pk
    assert late == {"taken": 1}
    assert len(http.calls) == 1  # imported once
    assert ImportRun.objects.get(pk=run.pk).outcome == ImportRun.Outcome.OK
    assert ImportRun.objects.count() == 1


@pytest.mark.django_db
def test_a_run_claimed_for_one_thread_is_never_taken_by_another(google_grant):
    first_due, second_due = google_grant("sleep")[0], google_grant("sleep")[0]

    first = import_claim_next()
    second = import_claim_next()

    assert {first.connection_id, second.connection_id} == {first_due.pk, second_due.pk}
    assert import_claim_next() is None


@pytest.mark.django_db
def test_a_run_a_thread_claims_for_itself_starts_as_it_is_claimed(
    google_grant, http, django_assert_max_num_queries
):
    (connection,) = google_grant("sleep")
    http.add("GET", DATA_POINTS, json={"dataPoints": []})

    run = import_claim_next()
    claimed = ImportRun.objects.values("outcome", "queued_at", "started_at").get(pk=run.pk)
    connection.refresh_from_db()
    with django_assert_max_num_queries(8):  # a queued run takes 3 more: its start
        finished = import_run_execute(run=run, claimed_here=True)

    assert claimed == {
        "outcome": ImportRun.Outcome.RUNNING,
        "queued_at": claimed["started_at"],
        "started_at": claimed["started_at"],
    }
    assert connection.last_attempt_at == claimed["started_at"]
    assert finished.outcome == ImportRun.Outcome.OK


@pytest.mark.django_db
def test_an_import_uses_the_token_read_as_its_run_started_without_reading_the_grant_again(
    google_grant, http, django_capture_on_commit_callbacks
):
    from django.db import connection as database
    from django.test.utils import CaptureQueriesContext

    google_grant("sleep")
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    run = import_claim_next()

    with CaptureQueriesContext(database) as statements:
        finished = import_run_execute(run=run, claimed_here=True)

    assert finished.outcome == ImportRun.Outcome.OK
    assert http.calls[0].request.headers["Authorization"] == "Bearer old-access"
    assert not [
        q
        for q in statements.captured_queries
        if "connections_credential" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.mark.django_db
def test_a_token_read_as_the_run_started_that_expires_within_minutes_is_renewed_first(
    google_grant, http
):
    (connection,) = google_grant("sleep", expires_in=timedelta(minutes=2))
    http.add(
        "POST",
        GOOGLE["token_url"],
        json={"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"},
    )
    http.add("GET", DATA_POINTS, json={"dataPoints": []})
    run = import_claim_next()

    finished = import_run_execute(run=run, claimed_here=True)

    assert finished.outcome == ImportRun.Outcome.OK
    assert [call.request.method for call in http.calls] == ["POST", "GET"]
    assert http.calls[1].request.headers["Authorization"] == "Bearer new-access"
    assert Credential.objects.get(pk=connection.credential_id).access_token == "new-access"


@pytest.mark.django_db
def test_an_idle_thread_claims_several_due_imports_in_one_transaction(
    google_grant, django_assert_max_num_queries
):
    due = [c for _ in range(4) for c in google_grant("sleep")]

    with django_assert_max_num_queries(8):  # as many statements as for one
        runs = import_claim_some(limit=3)

    assert len({run.connection_id for run in runs}) == 3
    assert {run.outcome for run in runs} == {ImportRun.Outcome.RUNNING}
    claimed = Connection.objects.filter(claim_token__isnull=False)
    assert sorted(claimed.values_list("pk", flat=True)) == sorted(r.connection_id for r in runs)
    assert [r.connection_id for r in import_claim_some(limit=3)] == [
        c.pk for c in due if c.pk not in {r.connection_id for r in runs}
    ]


@pytest.mark.django_db
def test_a_queued_run_an_idle_thread_takes_comes_alone_to_start_at_once(
    google_grant, queue, django_capture_on_commit_callbacks
):
    for _ in range(2):
        google_grant("sleep")  # due, and could be claimed with it
    (waiting,) = google_grant("sleep")
    waiting.next_run_at = timezone.now() + timedelta(hours=1)
    waiting.save()
    with django_capture_on_commit_callbacks(execute=True):
        queued_run = connection_import_now(connection=waiting)  # "Sync now"

    runs = import_claim_some(limit=4)

    assert [run.pk for run in runs] == [queued_run.pk]
    assert Connection.objects.filter(claim_token__isnull=False).count() == 1


def _cap(monkeypatch, cap: int) -> None:
    import dataclasses

    from connections.providers import PROVIDERS

    spec = dataclasses.replace(PROVIDERS["google_health"], max_concurrent_imports=cap)
    monkeypatch.setitem(PROVIDERS, "google_health", spec)


@pytest.mark.django_db
def test_imports_claimed_a_few_at_a_time_stay_within_the_providers_cap(google_grant, monkeypatch):
    _cap(monkeypatch, 2)
    for _ in range(4):
        google_grant("sleep")

    claims = [import_claim_some(limit=4) for _ in range(3)]

    assert [len(runs) for runs in claims] == [1, 1, 0]


@pytest.mark.django_db
def test_one_claim_takes_at_most_a_fifth_of_a_providers_cap(google_grant, monkeypatch):
    _cap(monkeypatch, 10)
    for _ in range(6):
        google_grant("sleep")

    runs = import_claim_some(limit=4)

    assert len(runs) == 2  # others claiming at the same moment can overshoot by no more


@pytest.mark.django_db
def test_a_credential_read_more_than_moments_ago_is_read_again_before_its_token_is_used(
    google_grant, http
):
    (connection,) = google_grant("sleep")
    run = import_claim_next()
    run.started_at -= timedelta(seconds=30)  # claimed, then waited for a thread
    Credential.objects.filter(pk=connection.credential_id).update(
        status=Credential.Status.REVOKED, access_token="", refresh_token=""
    )  # the person removed access meanwhile

    finished = import_run_execute(run=run, claimed_here=True)

    assert finished.outcome == ImportRun.Outcome.FAILED
    assert finished.error_code == "needs_reauth"
    assert len(http.calls) == 0  # the removed token never reached the provider


@pytest.mark.django_db(transaction=True)
def test_imports_claimed_that_the_task_had_no_time_to_begin_are_given_back(
    settings, google_grant, http, monkeypatch
):
    from connections.services import batches

    settings.IMPORT_CONCURRENCY = 2
    due = [c for _ in range(3) for c in google_grant("sleep")]
    monkeypatch.setattr(batches._Hopper, "_how_many", lambda self: 3)  # all three at once
    monkeypatch.setattr(batches, "run_time_budget", lambda: 1.0)

    def slow(request):
        time.sleep(1.2)  # each import outlasts the task's time
        return 200, {"Content-Type": "application/json"}, '{"dataPoints": []}'

    http.add_callback("GET", DATA_POINTS, callback=slow)

    outcomes = batches.import_runs_execute(run_ids=[], take_more_for=10)

    assert outcomes == {ImportRun.Outcome.OK: 2}
    imported = set(ImportRun.objects.values_list("connection_id", flat=True))
    (left,) = [c for c in due if c.pk not in imported]
    left.refresh_from_db()
    assert (left.claim_token, left.claimed_until) == (None, None)
    assert left.next_run_at <= timezone.now()  # due again, for the next dispatch
    assert not ImportRun.objects.filter(outcome=ImportRun.Outcome.RUNNING).exists()


@pytest.fixture
def full_backlog(google_grant, demo_connected, monkeypatch):
    """A provider at its cap with more overdue connections than a claim looks at, and behind
    them one due connection of another provider: the demo's sleep feed."""
    _cap(monkeypatch, 2)
    for _ in range(2):
        google_grant("sleep")
    assert len(import_claim_some(limit=2)) + len(import_claim_some(limit=2)) == 2  # cap full
    for _ in range(25):
        (backlog,) = google_grant("sleep")
        backlog.next_run_at = timezone.now() - timedelta(hours=2)
        backlog.save(update_fields=["next_run_at"])
    other = demo_connected("sleep")["sleep"]
    Connection.objects.filter(provider="demo").update(
        next_run_at=timezone.now() - timedelta(seconds=1), claimed_until=None, claim_token=None
    )
    return other


@pytest.mark.django_db
def test_a_full_providers_backlog_does_not_keep_an_idle_thread_from_another_providers_import(
    full_backlog,
):
    runs = import_claim_some(limit=1)

    assert [run.connection_id for run in runs] == [full_backlog.pk]


@pytest.mark.django_db
def test_a_full_providers_backlog_does_not_keep_the_dispatcher_from_another_providers_import(
    full_backlog, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_ids = imports_dispatch_due(limit=20)

    assert [ImportRun.objects.get(pk=pk).connection_id for pk in run_ids] == [full_backlog.pk]
    assert Connection.objects.filter(provider="google_health", claimed_until__gt=timezone.now())\
        .count() == 2


def _no_answer_from_google(google_grant, http, times: int) -> list[ImportRun]:
    """`times` imports of Google connections whose requests find nobody answering."""
    http.add("GET", DATA_POINTS, body=requests.ConnectTimeout("no answer"))
    for _ in range(times):
        google_grant("sleep")
    return [
        import_run_execute(run=run, claimed_here=True) for run in import_claim_some(limit=times)
    ]


@pytest.fixture
def due_behind(google_grant, demo_connected):
    """A Google connection and, due after it, one of the demo provider's."""

    def make() -> tuple[Connection, Connection]:
        (google,) = google_grant("sleep")
        demo = demo_connected("sleep")["sleep"]
        Connection.objects.filter(pk=demo.pk).update(
            next_run_at=timezone.now(), claimed_until=None, claim_token=None
        )
        return google, demo

    return make


@pytest.mark.django_db
def test_a_provider_that_stops_answering_rests_while_other_providers_imports_go_on(
    google_grant, due_behind, http, monkeypatch
):
    _cap(monkeypatch, 20)
    failed = _no_answer_from_google(google_grant, http, 3)
    google, demo = due_behind()

    runs = import_claim_some(limit=2)

    assert {run.error_message for run in failed} == {"Google did not answer in time."}
    assert [run.connection_id for run in runs] == [demo.pk]
    assert Connection.objects.get(pk=google.pk).claimed_until is None


@pytest.mark.django_db
def test_two_unanswered_requests_in_a_minute_are_not_yet_a_rest(
    google_grant, due_behind, http, monkeypatch
):
    _cap(monkeypatch, 20)
    _no_answer_from_google(google_grant, http, 2)
    google, demo = due_behind()

    runs = import_claim_some(limit=2)

    assert [run.connection_id for run in runs] == [google.pk, demo.pk]


@pytest.mark.django_db
def test_a_provider_answering_with_errors_never_rests(google_grant, due_behind, http, monkeypatch):
    _cap(monkeypatch, 20)
    http.add("GET", DATA_POINTS, status=503)
    for _ in range(4):
        google_grant("sleep")
    failed = [
        import_run_execute(run=run, claimed_here=True) for run in import_claim_some(limit=4)
    ]
    google, demo = due_behind()

    runs = import_claim_some(limit=2)

    assert {run.error_code for run in failed} == {"unreachable"}
    assert [run.connection_id for run in runs] == [google.pk, demo.pk]


def test_a_rest_soon_after_another_lasts_twice_as_long():
    from django.core.cache import cache

    from connections.services.pacing import REST, REST_KEY, provider_no_answer, provider_waits_until

    for _ in range(3):
        provider_no_answer("google_health")
    first = provider_waits_until("google_health") - timezone.now()
    cache.delete(REST_KEY.format(provider="google_health"))  # the first rest is over
    provider_no_answer("google_health")
    second = provider_waits_until("google_health") - timezone.now()

    assert REST - timedelta(seconds=5) < first <= REST
    assert 2 * REST - timedelta(seconds=5) < second <= 2 * REST
