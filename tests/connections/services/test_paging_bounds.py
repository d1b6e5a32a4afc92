"""Every paging loop is bounded: a provider that repeats its page token or never stops paging
cannot spin an import, and long imports are spaced out (issue 9)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connections.models import Connection, ImportRun
from connections.providers.base import MAX_PAGES_PER_FETCH
from connections.services.budgets import run_time_budget
from connections.services.imports import MAX_PAGES_PER_WINDOW, PARTIAL_PAUSE
from tests.conftest import GOOGLE, SteppingClock, fixture_json

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"
ROLLUP = GOOGLE["api_url"] + "/v4/users/me/dataTypes/{}/dataPoints:dailyRollUp"


@pytest.fixture
def google_feeds(settings, logged_in, user, google_connect):
    settings.IMPORT_BACKFILL_DAYS = 5  # one window
    google_connect(logged_in, feeds=["activities", "daily"])
    return {c.feed: c for c in Connection.objects.filter(user=user)}


def test_a_repeated_page_token_ends_the_window_instead_of_looping(google_feeds, http, run_import):
    page = fixture_json("google_health", "exercise_page")
    page["nextPageToken"] = "same-again"
    http.add("GET", EXERCISE, json=page)

    run = run_import(google_feeds["activities"])

    assert run.outcome == ImportRun.Outcome.OK and run.created_count == 1
    assert len([c for c in http.calls if "exercise" in c.request.url]) == 2
    assert Connection.objects.get(pk=google_feeds["activities"].pk).cursor is not None


def test_a_provider_that_never_stops_paging_is_cut_off(google_feeds, http, run_import):
    pages = iter(range(10_000))

    def endless(request):
        return 200, {}, f'{{"dataPoints": [], "nextPageToken": "page-{next(pages)}"}}'

    http.add_callback("GET", EXERCISE, callback=endless)

    run = run_import(google_feeds["activities"])

    assert run.outcome == ImportRun.Outcome.OK
    assert len([c for c in http.calls if "exercise" in c.request.url]) == MAX_PAGES_PER_WINDOW


def test_daily_roll_up_paging_is_bounded(google_feeds, http, run_import):
    for data_type in ("steps", "distance", "total-calories", "active-minutes"):
        http.add(
            "POST",
            ROLLUP.format(data_type),
            json={"rollupDataPoints": [], "nextPageToken": "again"},
        )

    run = run_import(google_feeds["daily"])

    assert run.outcome == ImportRun.Outcome.OK
    # Each data type: its first page, then the repeated token once; never MAX_PAGES_PER_FETCH.
    assert (
        len([c for c in http.calls if "dailyRollUp" in c.request.url])
        == 4 * 2
        < 4 * (MAX_PAGES_PER_FETCH)
    )


def test_a_run_out_of_time_stops_and_the_next_one_waits_its_turn(
    google_feeds, http, run_import, monkeypatch, settings
):
    from connections.services import imports

    settings.IMPORT_BACKFILL_DAYS = 30  # several windows: more than one run's worth
    http.add("GET", EXERCISE, json={"dataPoints": []})
    monkeypatch.setattr(imports.time, "monotonic", SteppingClock(600))

    run = run_import(google_feeds["activities"])

    assert run.outcome == ImportRun.Outcome.PARTIAL
    next_run = Connection.objects.get(pk=google_feeds["activities"].pk).next_run_at
    assert next_run >= timezone.now() + PARTIAL_PAUSE * 0.8
    assert next_run <= timezone.now() + PARTIAL_PAUSE * 1.2


@pytest.mark.parametrize(("q_timeout", "budget"), [(300, 220), (120, 40), (30, 10)])
def test_the_run_time_budget_follows_q_timeout(settings, q_timeout, budget):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": q_timeout}

    assert run_time_budget() == budget
