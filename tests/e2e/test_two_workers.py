"""Two `qcluster` processes on the Redis broker and PostgreSQL, dispatching and importing at
once: 200 due connections are each imported exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection as db
from django.db.models import Count
from django.utils import timezone
from django_q.tasks import async_task
from oauth2_provider.models import AccessToken, RefreshToken, get_application_model

from connections.models import Connection, Credential, ImportRun
from connections.providers.google_health.scopes import HEALTH_METRICS
from records.models import DailySummary

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]
COUNT = 200


def _granted_connections(user_factory) -> list[Connection]:
    """COUNT people who granted the demo provider access (its token rows made directly)."""
    application = get_application_model().objects.get(client_id="tendon-demo")
    expires = timezone.now() + timedelta(hours=2)
    connections = []
    for i in range(COUNT):
        person = user_factory(f"runner{i}@example.com")
        access = AccessToken.objects.create(
            user=person,
            application=application,
            token=f"access-{i}",
            expires=expires,
            scope=HEALTH_METRICS,
        )
        RefreshToken.objects.create(
            user=person, application=application, token=f"refresh-{i}", access_token=access
        )
        credential = Credential.objects.create(
            user=person,
            provider="demo",
            account_uid=f"demo-{person.pk}",
            account_label=person.email,
            access_token=f"access-{i}",
            refresh_token=f"refresh-{i}",
            expires_at=expires,
            last_refreshed_at=timezone.now(),
            scopes=[HEALTH_METRICS],
        )
        connections.append(
            Connection(
                user=person,
                provider="demo",
                feed="heart_rate",
                account_uid=credential.account_uid,
                credential=credential,
                next_run_at=timezone.now(),
            )
        )
    return Connection.objects.bulk_create(connections)


def test_two_workers_import_each_due_connection_exactly_once(user_factory, worker_factory):
    if db.vendor != "postgresql" or "redis" not in django_settings.Q_CLUSTER:
        pytest.skip("needs PostgreSQL and the Redis broker (CI's third pass)")
    connections = _granted_connections(user_factory)
    # Each worker imports up to 8 runs at once (run_imports), as PostgreSQL's default has it.
    worker_factory(IMPORT_BACKFILL_DAYS="3", Q_WORKERS="2", IMPORT_CONCURRENCY="8")
    worker_factory(IMPORT_BACKFILL_DAYS="3", Q_WORKERS="2", IMPORT_CONCURRENCY="8")

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        done = ImportRun.objects.filter(outcome=ImportRun.Outcome.OK).count()
        if done >= COUNT:
            break
        for _ in range(4):  # dispatchers racing each other in both clusters
            async_task("connections.tasks.dispatch_imports")
        time.sleep(1)
    time.sleep(3)  # let any duplicate dispatch show itself

    runs = dict(
        ImportRun.objects.values_list("connection")
        .annotate(n=Count("id"))
        .values_list("connection", "n")
    )
    assert sorted(runs) == sorted(c.pk for c in connections)
    assert set(runs.values()) == {1}
    assert set(ImportRun.objects.values_list("outcome", flat=True)) == {ImportRun.Outcome.OK}
    per_user = DailySummary.objects.values("user").annotate(n=Count("id"))
    assert len(per_user) == COUNT and {row["n"] for row in per_user} <= {3, 4}
