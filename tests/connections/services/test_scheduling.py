"""The schedule lives in the rows: claims, lost tasks, duplicate deliveries, pacing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from connections.models import Connection, Credential, ImportRun
from connections.services.imports import import_run_execute
from connections.services.scheduling import imports_dispatch_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_connections(user_factory):
    """n enabled connections with active grants, all due now."""

    def make(n: int, provider: str = "demo") -> list[Connection]:
        made = []
        for i in range(n):
            owner = user_factory()
            credential = Credential.objects.create(
                user=owner,
                provider=provider,
                account_uid=f"acct-{owner.pk}",
                access_token="a",
                refresh_token="r",
                expires_at=timezone.now() + timedelta(hours=1),
                scopes=["https://www.googleapis.com/auth/googlehealth.sleep.readonly"],
            )
            made.append(
                Connection.objects.create(
                    user=owner,
                    provider=provider,
                    feed="sleep",
                    account_uid=credential.account_uid,
                    credential=credential,
                    next_run_at=timezone.now() - timedelta(seconds=i + 1),
                )
            )
        return made

    return make


@pytest.fixture
def queue():
    """The configured broker (ORM or Redis), emptied."""
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def test_dispatch_claims_each_due_connection_once(
    make_connections, django_capture_on_commit_callbacks, queue
):
    make_connections(3)

    with django_capture_on_commit_callbacks(execute=True):
        first = imports_dispatch_due()
        second = imports_dispatch_due()

    assert len(first) == 3 and second == []
    queued = []  # one task per group of up to IMPORT_CONCURRENCY runs
    while queue.queue_size():
        for ack_id, payload in queue.dequeue() or []:
            queued += SignedPackage.loads(payload)["args"][0]
            queue.acknowledge(ack_id)
    assert sorted(queued) == sorted(first)
    assert Connection.objects.filter(claimed_until__gt=timezone.now()).count() == 3


def test_dispatch_skips_disabled_flagged_and_future_connections(make_connections):
    disabled, flagged, later, due = make_connections(4)
    Connection.objects.filter(pk=disabled.pk).update(enabled=False)
    Credential.objects.filter(pk=flagged.credential_id).update(
        status=Credential.Status.NEEDS_REAUTH
    )
    Connection.objects.filter(pk=later.pk).update(next_run_at=timezone.now() + timedelta(hours=1))

    runs = imports_dispatch_due()

    assert [ImportRun.objects.get(pk=r).connection_id for r in runs] == [due.pk]


def test_lapsed_claim_is_dispatched_again(make_connections):
    (connection,) = make_connections(1)
    (lost,) = imports_dispatch_due()
    Connection.objects.filter(pk=connection.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )

    (again,) = imports_dispatch_due()

    assert again != lost
    lost_run = ImportRun.objects.get(pk=lost)
    assert (lost_run.outcome, lost_run.error_code) == (ImportRun.Outcome.FAILED, "lost")


def test_task_delivered_twice_does_nothing_the_second_time(make_connections):
    (connection,) = make_connections(1)
    (run_id,) = imports_dispatch_due()
    Connection.objects.filter(pk=connection.pk).update(enabled=False)  # the run skips quickly
    run = ImportRun.objects.get(pk=run_id)
    first = import_run_execute(run=run)
    finished_at = first.finished_at

    again = import_run_execute(run=ImportRun.objects.get(pk=run.pk))

    assert again.finished_at == finished_at
    assert ImportRun.objects.filter(connection=connection).count() == 1


def test_run_whose_claim_was_taken_over_is_skipped(make_connections):
    (connection,) = make_connections(1)
    (stale,) = imports_dispatch_due()
    Connection.objects.filter(pk=connection.pk).update(claimed_until=timezone.now())
    imports_dispatch_due()

    result = import_run_execute(run=ImportRun.objects.get(pk=stale))

    assert result.outcome in (ImportRun.Outcome.FAILED, ImportRun.Outcome.SKIPPED)
    assert result.error_code in ("lost", "superseded")


def _cap(monkeypatch, cap: int) -> None:
    from connections.providers import PROVIDERS

    monkeypatch.setitem(
        PROVIDERS, "demo", dataclasses.replace(PROVIDERS["demo"], max_concurrent_imports=cap)
    )


def test_provider_cap_limits_imports_running_at_once(make_connections, monkeypatch):
    make_connections(5)
    _cap(monkeypatch, 2)

    assert len(imports_dispatch_due()) == 2
    assert imports_dispatch_due() == []


@pytest.mark.parametrize("count", [10, 100])
def test_dispatch_query_count_does_not_grow_with_connections(
    make_connections, django_assert_max_num_queries, monkeypatch, count
):
    make_connections(count)
    _cap(monkeypatch, 1000)

    with django_assert_max_num_queries(8):
        runs = imports_dispatch_due()

    assert len(runs) == count


def test_sync_now_queues_an_import(
    logged_in, demo_connected, django_capture_on_commit_callbacks, queue
):
    sleep = demo_connected("sleep")["sleep"]

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/connect/{sleep.pk}/sync/", follow=True)

    assert "import queued" in response.content.decode()
    assert ImportRun.objects.filter(connection=sleep, outcome=ImportRun.Outcome.QUEUED).count() == 1
    assert queue.queue_size() == 1


def test_sync_now_while_running_says_so(logged_in, demo_connected):
    sleep = demo_connected("sleep")["sleep"]
    logged_in.post(f"/connect/{sleep.pk}/sync/")

    response = logged_in.post(f"/connect/{sleep.pk}/sync/", follow=True)

    assert "is being imported right now" in response.content.decode()
    assert ImportRun.objects.filter(connection=sleep).count() == 1


def test_import_now_command_queues_an_import(demo_connected, capsys):
    from django.core.management import call_command

    sleep = demo_connected("sleep")["sleep"]

    call_command("import_now", str(sleep.pk))

    assert "Queued import run" in capsys.readouterr().out
    assert ImportRun.objects.filter(connection=sleep).count() == 1


def test_import_now_command_refuses_an_unknown_connection(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no connection 999"):
        call_command("import_now", "999")


def test_setup_schedules_is_idempotent(db):
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert sorted(Schedule.objects.values_list("func", "minutes")) == [
        ("connections.tasks.count_health", 5),
        ("connections.tasks.dispatch_imports", 1),
        ("connections.tasks.provider_upkeep", 6 * 60),
        ("connections.tasks.prune_push_log", 24 * 60),
        ("connections.tasks.refresh_expiring_tokens", 10),
        ("connections.tasks.retry_revocations", 5),
        ("connections.tasks.sync_due_push_subscriptions", 10),
        ("connections.tasks.warn_ending_access", 60),
    ]


def test_sync_now_right_after_an_import_is_refused_without_a_run_or_an_event(
    logged_in, demo_connected, run_import, demo_http
):
    sleep = demo_connected("sleep")["sleep"]
    run_import(sleep)
    events = sleep.events.count()

    for _click in range(10):
        response = logged_in.post(f"/connect/{sleep.pk}/sync/", follow=True)

    assert "was imported moments ago. You can sync it again in" in response.content.decode()
    assert ImportRun.objects.filter(connection=sleep).count() == 1
    assert sleep.events.count() == events
