"""A worker killed mid-import (SIGKILL of its process group): a new worker finishes the job with
rows identical to an uninterrupted run. PostgreSQL only, as production runs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connections.models import Connection, ImportRun
from connections.services.scheduling import imports_dispatch_due
from records.models import BodyMeasurement
from tests.e2e.conftest import forget_queued_tasks, wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _rows() -> list[tuple]:
    return sorted(
        BodyMeasurement.objects.values_list("key", "measured_at", "weight_kg", "fat_percent", "raw")
    )


def test_killed_worker_leaves_no_gap_and_no_duplicate(
    settings, user_factory, person, worker_factory
):
    if db.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (CI runs the suite there too)")
    settings.SANDBOX_LATENCY_MS = 120  # a slow provider, so the kill lands mid-run
    alice = user_factory("alice@example.com")
    person.log_in(alice.email)
    person.enable_demo(["body"], as_email=alice.email)
    forget_queued_tasks()  # this test dispatches itself, so that it knows which run to kill
    body = Connection.objects.get(user=alice, feed="body")
    first = worker_factory(IMPORT_BACKFILL_DAYS="150")

    (run_id,) = imports_dispatch_due()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body.refresh_from_db()
        if body.cursor is not None and BodyMeasurement.objects.exists():
            break
        time.sleep(0.05)
    first.kill()

    killed = ImportRun.objects.get(pk=run_id)
    assert killed.outcome == ImportRun.Outcome.RUNNING  # it never finished
    partial = BodyMeasurement.objects.count()
    assert partial > 0

    # The claim lapses (time passes); the dispatcher hands the work to a new worker.
    Connection.objects.filter(pk=body.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    worker_factory(IMPORT_BACKFILL_DAYS="150")
    (resumed,) = wait_for_runs(imports_dispatch_due())
    assert resumed.outcome == ImportRun.Outcome.OK
    assert ImportRun.objects.get(pk=run_id).error_code == "lost"
    after_kill = _rows()
    assert len(after_kill) > partial

    # The same import, uninterrupted, from scratch.
    BodyMeasurement.objects.all().delete()
    Connection.objects.filter(pk=body.pk).update(
        cursor=None, chunk_start=None, chunk_end=None, chunk_token="", next_run_at=timezone.now()
    )
    (clean,) = wait_for_runs(imports_dispatch_due())
    assert clean.outcome == ImportRun.Outcome.OK
    assert _rows() == after_kill


def test_worker_killed_mid_batch_leaves_no_gap_and_no_duplicate(
    settings, user_factory, person, worker_factory
):
    """The same, with the import one of several run at once by one worker (run_imports)."""
    if db.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (CI runs the suite there too)")
    settings.SANDBOX_LATENCY_MS = 120  # a slow provider, so the kill lands mid-run
    alice = user_factory("alice@example.com")
    person.log_in(alice.email)
    person.enable_demo(["body", "sleep", "heart_rate"], as_email=alice.email)
    forget_queued_tasks()  # this test dispatches itself, so that it knows which runs to kill
    body = Connection.objects.get(user=alice, feed="body")
    Connection.objects.filter(user=alice).update(
        next_run_at=timezone.now(), claimed_until=None, claim_token=None
    )
    first = worker_factory(IMPORT_BACKFILL_DAYS="150", IMPORT_CONCURRENCY="4")

    run_ids = imports_dispatch_due()
    assert len(run_ids) == 3  # one task, three imports at once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body.refresh_from_db()
        if body.cursor is not None and BodyMeasurement.objects.exists():
            break
        time.sleep(0.05)
    first.kill()

    killed = ImportRun.objects.get(connection=body, pk__in=run_ids)
    assert killed.outcome == ImportRun.Outcome.RUNNING  # it never finished
    partial = BodyMeasurement.objects.count()
    assert partial > 0

    Connection.objects.filter(user=alice, claimed_until__isnull=False).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    worker_factory(IMPORT_BACKFILL_DAYS="150", IMPORT_CONCURRENCY="4")
    resumed = wait_for_runs(imports_dispatch_due())
    assert {run.outcome for run in resumed} == {ImportRun.Outcome.OK}
    assert ImportRun.objects.get(pk=killed.pk).error_code == "lost"
    after_kill = _rows()
    assert len(after_kill) > partial

    BodyMeasurement.objects.all().delete()
    Connection.objects.filter(pk=body.pk).update(
        cursor=None, chunk_start=None, chunk_end=None, chunk_token="", next_run_at=timezone.now()
    )
    (clean,) = wait_for_runs(imports_dispatch_due())
    assert clean.outcome == ImportRun.Outcome.OK
    assert _rows() == after_kill
