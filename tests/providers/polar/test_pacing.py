"""Pacing Polar as a whole: its RateLimit-* headers and its 429 pause every Polar connection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun
from connections.providers import PROVIDERS
from connections.providers.polar.client import rate_budget
from connections.services.pacing import (
    COUNT_KEY,
    CallBudget,
    provider_paused_until,
    window_bounds,
)
from tests.conftest import fixture_json
from tests.providers.polar.conftest import API

pytestmark = pytest.mark.django_db
HEADERS = fixture_json("polar", "rate_limit_headers")


def test_polar_declares_its_allowances_growing_with_its_users():
    assert PROVIDERS["polar"].app_call_budgets == (
        CallBudget(500, "quarter_hour", per_user=20),
        CallBudget(5000, "day", per_user=100),
    )


def test_the_headers_say_what_is_left_of_the_tighter_window():
    budget = rate_budget(HEADERS["ok"])

    assert budget.app_wide
    assert budget.remaining == 540 - 12  # short term: 528 left; long term 4790
    assert abs((budget.resets_at - timezone.now()) - timedelta(seconds=604)) < timedelta(seconds=5)


def test_spaces_after_the_comma_are_read_too():
    spaced = {
        "RateLimit-Usage": "12, 410",
        "RateLimit-Limit": "540, 5200",
        "RateLimit-Reset": "604, 7",
    }

    assert rate_budget(spaced).remaining == 528


def test_a_429_pauses_every_polar_connection_until_polars_window_resets(
    user, polar_connected, run_import, http
):
    http.add("GET", API + "/v3/exercises", status=429, headers=HEADERS["short_term_exhausted_429"])

    run = run_import(polar_connected["activities"])

    assert run.outcome != ImportRun.Outcome.OK and run.error_code == "rate_limited"
    until = provider_paused_until("polar")
    assert abs((until - timezone.now()) - timedelta(seconds=217)) < timedelta(seconds=5)
    connection = Connection.objects.get(pk=polar_connected["activities"].pk)
    assert connection.paused_until == until
    sleep_run = run_import(polar_connected["sleep"])  # another connection: waits too
    assert sleep_run.error_code == "rate_limited"
    assert not [c for c in http.calls if c.request.url.endswith("/v3/users/sleep")]


def test_an_almost_spent_window_stops_the_import_before_polar_refuses(
    polar_connected, run_import, http
):
    nearly = {
        "RateLimit-Usage": "537,900",
        "RateLimit-Limit": "540,5200",
        "RateLimit-Reset": "300,9",
    }
    http.add("GET", API + "/v3/exercises", json=fixture_json("polar", "exercises"), headers=nearly)

    run = run_import(polar_connected["activities"])

    assert run.created_count == 2  # the page read is kept
    assert provider_paused_until("polar") is not None


@pytest.mark.parametrize(
    ("window", "spent", "imports"),
    [
        ("quarter_hour", 557, True),  # 500 + 20 × 3 users = 560 (2 kept in hand)
        ("quarter_hour", 558, False),
        ("day", 5297, True),  # 5,000 + 100 × 3 users = 5,300
        ("day", 5298, False),
    ],
)
def test_polars_allowance_grows_with_each_connected_polar_user(
    user_factory, polar_connected, polar_data, run_import, http, window, spent, imports
):
    for n in (1, 2):  # two more people hold a Polar grant: three users in all
        Credential.objects.create(
            user=user_factory(f"polar-{n}@example.com"),
            provider="polar",
            account_uid=f"2000{n}",
            access_token=f"token-{n}",
        )
    start, _end = window_bounds(window, timezone.now())
    cache.set(COUNT_KEY.format(provider="polar", window=window, start=start.isoformat()), spent)
    polar_data()

    run = run_import(polar_connected["activities"])

    asked = [c for c in http.calls if c.request.url == API + "/v3/exercises"]
    assert (run.outcome == ImportRun.Outcome.OK, len(asked)) == (imports, int(imports))
    assert (provider_paused_until("polar") is None) == imports
