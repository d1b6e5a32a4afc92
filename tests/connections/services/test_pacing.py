"""Pacing a provider as a whole: an application-wide allowance counted across workers, and a
provider that runs out pausing every one of its connections, not only the one that asked."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from connections.models import Connection, ImportRun
from connections.providers import PROVIDERS
from connections.services.pacing import (
    CallBudget,
    Paused,
    app_budget_check,
    app_budget_spend,
    provider_paused_until,
    window_bounds,
)
from connections.services.scheduling import imports_dispatch_due
from tests.connections.services.test_scheduling import make_connections, queue  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_with_app_budget(monkeypatch):
    """The demo provider, declaring an allowance of 10 calls a minute for the whole app."""
    spec = dataclasses.replace(
        PROVIDERS["demo"], app_call_budgets=(CallBudget(limit=10, window="minute"),)
    )
    monkeypatch.setitem(PROVIDERS, "demo", spec)
    return spec


@pytest.mark.parametrize(
    ("window", "moment", "start", "end"),
    [
        ("quarter_hour", "12:07:31", "12:00", "12:15"),
        ("quarter_hour", "12:59:59", "12:45", "13:00"),
        ("minute", "08:30:45", "08:30", "08:31"),
        ("hour", "23:59:00", "23:00", "00:00"),
    ],
)
def test_budget_windows_follow_the_wall_clock(window, moment, start, end):
    now = datetime.fromisoformat(f"2026-11-30T{moment}+00:00")

    begins, ends = window_bounds(window, now)

    assert (f"{begins:%H:%M}", f"{ends:%H:%M}") == (start, end)


def test_a_day_window_resets_at_midnight_utc():
    begins, ends = window_bounds("day", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))

    assert (begins.isoformat(), ends.isoformat()) == (
        "2026-11-30T00:00:00+00:00",
        "2026-12-01T00:00:00+00:00",
    )


def test_calls_counted_by_every_worker_stop_before_the_allowance_runs_out(demo_with_app_budget):
    app_budget_spend(demo_with_app_budget, 7)
    app_budget_check(demo_with_app_budget)  # 7 of 10: room left

    app_budget_spend(demo_with_app_budget, 2)

    with pytest.raises(Paused) as paused:
        app_budget_check(demo_with_app_budget)
    assert paused.value.app_wide
    assert paused.value.resume_at == window_bounds("minute", timezone.now())[1]


def test_a_spent_allowance_pauses_every_connection_of_that_provider_only(
    demo_with_app_budget, make_connections, run_import, queue, demo_app  # noqa: F811
):
    first, second = make_connections(2)
    other = make_connections(1, provider="google_health")[0]
    app_budget_spend(demo_with_app_budget, 10)

    run = run_import(first)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "rate_limited")
    assert provider_paused_until("demo") is not None
    claimed = imports_dispatch_due()
    assert [ImportRun.objects.get(pk=pk).connection_id for pk in claimed] == [other.pk]
    assert Connection.objects.get(pk=second.pk).claimed_until is None
