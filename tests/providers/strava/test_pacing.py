"""Pacing Strava as a whole: windows on the wall clock (:00, :15, :30, :45, midnight UTC), read
from its headers, and a 429 without Retry-After resumed from the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, Credential
from connections.providers import PROVIDERS
from connections.providers.strava.client import rate_budget, resume_after_limit
from connections.services.pacing import CallBudget, provider_paused_until, window_bounds
from tests.conftest import STRAVA, fixture_json
from tests.providers.strava.conftest import API

HEADERS = fixture_json("strava", "rate_limit_headers")
ACTIVITIES = API + "/athlete/activities"


def test_strava_declares_its_read_allowances_for_the_whole_application():
    assert PROVIDERS["strava"].app_call_budgets == (
        CallBudget(100, "quarter_hour"),
        CallBudget(1000, "day"),
    )


@pytest.mark.parametrize(
    ("moment", "headers", "resume"),
    [
        ("2026-11-30T10:07:31", "read_15min_exhausted_429", "2026-11-30T10:15:00"),
        ("2026-11-30T10:59:59", "read_15min_exhausted_429", "2026-11-30T11:00:00"),
        ("2026-11-30T23:52:00", "read_15min_exhausted_429", "2026-12-01T00:00:00"),
        ("2026-11-30T10:07:31", "read_daily_exhausted_429", "2026-12-01T00:00:00"),
        ("2026-11-30T10:31:00", None, "2026-11-30T10:45:00"),  # no headers at all
    ],
)
def test_a_429_resumes_when_the_clock_says_the_spent_window_resets(moment, headers, resume):
    now = datetime.fromisoformat(moment).replace(tzinfo=UTC)

    at = resume_after_limit(HEADERS[headers] if headers else {}, now=now)

    assert at == datetime.fromisoformat(resume).replace(tzinfo=UTC)


def test_the_headers_name_the_tightest_allowance():
    now = datetime(2026, 11, 30, 10, 7, tzinfo=UTC)

    budget = rate_budget(HEADERS["ok"], now=now)

    assert budget.app_wide
    assert budget.remaining == 100 - 78  # reads this quarter hour
    assert budget.resets_at == datetime(2026, 11, 30, 10, 15, tzinfo=UTC)


def test_header_names_are_matched_whatever_their_case():
    import requests

    headers = requests.structures.CaseInsensitiveDict(
        {"X-Ratelimit-Limit": "200,2000", "X-Ratelimit-Usage": "79,222"}
    )

    assert rate_budget(headers).remaining == 121


@pytest.mark.django_db
def test_a_429_pauses_every_strava_connection_until_the_next_quarter_hour(
    strava_connected, run_import, http
):
    http.add(
        "GET",
        ACTIVITIES,
        status=429,
        json=fixture_json("strava", "error_429"),
        headers=HEADERS["read_15min_exhausted_429"],
    )
    before = window_bounds("quarter_hour", timezone.now())[1]

    run = run_import(strava_connected["activities"])

    after = window_bounds("quarter_hour", timezone.now())[1]
    assert run.error_code == "rate_limited"
    assert provider_paused_until("strava") in {before, after}
    assert Connection.objects.get(pk=strava_connected["activities"].pk).paused_until in {
        before,
        after,
    }
    body = run_import(strava_connected["body"])  # the other feed waits too, asking nothing
    assert body.error_code == "rate_limited"
    assert not [c for c in http.calls if c.request.url.endswith("/v3/athlete")]


@pytest.mark.django_db
def test_a_spent_day_pauses_strava_until_midnight_utc(strava_connected, run_import, http):
    http.add("GET", ACTIVITIES, status=429, headers=HEADERS["read_daily_exhausted_429"])

    run_import(strava_connected["activities"])

    assert provider_paused_until("strava") == window_bounds("day", timezone.now())[1]


@pytest.mark.django_db
def test_an_allowance_nearly_spent_stops_the_import_before_strava_refuses(
    strava_connected, run_import, http
):
    nearly = {"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "97,300"}
    http.add("GET", ACTIVITIES, json=[], headers=nearly)

    run = run_import(strava_connected["activities"])

    assert run.error_code == "rate_limited"
    assert len([c for c in http.calls if c.request.url.startswith(ACTIVITIES)]) == 1
    assert provider_paused_until("strava") is not None


@pytest.mark.django_db
def test_a_429_from_the_token_endpoint_also_waits_for_the_quarter_hour(
    strava_connected, run_import, http
):
    Credential.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    http.add("POST", STRAVA["token_url"], status=429, json=fixture_json("strava", "error_429"))
    before = window_bounds("quarter_hour", timezone.now())[1]

    run = run_import(strava_connected["activities"])

    after = window_bounds("quarter_hour", timezone.now())[1]
    assert run.error_code == "rate_limited"
    assert provider_paused_until("strava") in {before, after}
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert not [c for c in http.calls if c.request.url.startswith(ACTIVITIES)]
