"""The FitTrend scenario, end to end, with a real worker process on the configured broker.

connect -> import -> the grant is revoked at the provider -> the next run flags the credential
-> banner and one e-mail -> Disable -> Remove -> Enable with the same provider account -> the
import resumes from the saved cursor with no duplicate and no gap.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun
from connections.services.scheduling import imports_dispatch_due
from records.models import BodyMeasurement, SleepSession
from tests.e2e.conftest import wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _dispatch_and_wait() -> list[ImportRun]:
    Connection.objects.filter(enabled=True).update(next_run_at=timezone.now())
    return wait_for_runs(imports_dispatch_due())


def _started_by_connecting(after: int) -> list[ImportRun]:
    """The imports that connecting started by itself (the test dispatches nothing), once ended:
    one run for each enabled connection, queued after run `after`."""
    wanted = Connection.objects.filter(enabled=True).count()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ids = list(ImportRun.objects.filter(pk__gt=after).values_list("pk", flat=True))
        if len(ids) >= wanted:
            return wait_for_runs(ids)
        time.sleep(0.25)
    raise AssertionError("connecting started no import within 60 s")


def _last_run() -> int:
    return ImportRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _rows(model) -> list[tuple]:
    return sorted(model.objects.values_list("key", "raw"))


def test_fittrend_scenario(user_factory, person, worker_factory, mailbox):
    alice = user_factory("alice@example.com")
    worker_factory()
    person.log_in(alice.email)

    # Connect, and the worker imports.
    before = _last_run()
    back = person.enable_demo(["sleep", "body"], as_email=alice.email)
    assert "Demo Health is connected" in back.text
    first = _started_by_connecting(before)
    assert {r.outcome for r in first} == {ImportRun.Outcome.OK}
    nights, weights = _rows(SleepSession), _rows(BodyMeasurement)
    assert len(nights) >= 29 and weights

    # The grant is revoked at the provider; the next run flags it.
    person.submit("/sandbox/", {}, action="/sandbox/grants/revoke/")
    flagged = _dispatch_and_wait()
    assert {r.error_code for r in flagged} == {"needs_reauth"}
    assert Credential.objects.get(user=alice).status == Credential.Status.NEEDS_REAUTH
    page = person.text("/connect/")
    assert "Demo Health needs you to reconnect" in page
    assert "Needs re-authorization" in page

    # More failing runs still send one e-mail.
    for connection in Connection.objects.filter(user=alice):
        for _ in range(5):
            person.post(f"/connect/{connection.pk}/sync/")
    wait_for_runs(list(ImportRun.objects.values_list("pk", flat=True)))
    messages = [p.read_text() for p in mailbox.iterdir()]
    assert len(messages) == 1
    assert "Subject: Reconnect Demo Health to keep your data flowing" in messages[0]

    # Some of the newest data disappears from Tendon's view: the cursor must bring it back.
    three_days_ago = timezone.now() - timedelta(days=3)
    SleepSession.objects.filter(end__gte=three_days_ago).delete()
    BodyMeasurement.objects.filter(measured_at__gte=three_days_ago).delete()
    Connection.objects.filter(user=alice).update(cursor=three_days_ago)

    # Disable -> Remove -> Enable with the same provider account.
    sleep = Connection.objects.get(user=alice, feed="sleep")
    person.post(f"/connect/{sleep.pk}/disable/")
    removed = person.post(f"/connect/{sleep.pk}/remove/")
    assert "Everything already imported stays in Tendon." in removed.text
    assert Credential.objects.get(user=alice).status == Credential.Status.REVOKED
    before = _last_run()
    back = person.enable_demo(["sleep", "body"], as_email=alice.email)
    assert "Demo Health is connected" in back.text or "reconnected" in back.text
    assert "needs you to reconnect" not in person.text("/connect/")

    # The import resumes by itself from the saved cursor: no duplicate, no gap.
    resumed = _started_by_connecting(before)
    assert {r.outcome for r in resumed} == {ImportRun.Outcome.OK}
    calls = {r.connection.feed: r.api_calls for r in first}
    assert all(r.api_calls < calls[r.connection.feed] for r in resumed)  # not a re-backfill
    assert _rows(SleepSession) == nights
    assert _rows(BodyMeasurement) == weights
    assert len(Connection.objects.filter(user=alice)) == 2
