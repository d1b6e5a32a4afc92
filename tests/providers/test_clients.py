"""The shared set every provider client passes (like allauth's OAuth2TestsMixin):
success, refresh token omitted, invalid_grant, 429 with Retry-After, 5xx, non-JSON body."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from connections.providers import PROVIDERS
from connections.providers.base import (
    ApiRetired,
    BadResponse,
    GrantRevoked,
    ProviderUnavailable,
    RateLimited,
)
from tests.conftest import GOOGLE, OURA, STRAVA, WHOOP, WITHINGS, fixture_json


@dataclass
class Case:
    provider: str
    token_url: str
    success: dict
    no_refresh: dict
    invalid_grant: dict
    invalid_grant_status: int


def _withings(body: dict) -> dict:
    return {"status": 0, "body": body}


CASES = [
    Case(
        "google_health",
        GOOGLE["token_url"],
        {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3599},
        {"access_token": "new-access", "expires_in": 3599},
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        400,
    ),
    Case(
        "demo",
        "http://testserver/sandbox/o/token/",
        {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600},
        {"access_token": "new-access", "expires_in": 3600},
        {"error": "invalid_grant"},
        400,
    ),
    Case(
        "withings",
        WITHINGS["token_url"],
        _withings(
            {
                "userid": 363,
                "access_token": "new-access",
                "refresh_token": "new-refresh",
                "expires_in": 10800,
                "scope": "user.metrics",
            }
        ),
        _withings({"userid": 363, "access_token": "new-access", "expires_in": 10800}),
        fixture_json("withings", "invalid_refresh_token"),
        200,
    ),
    Case(
        "oura",
        OURA["token_url"],
        {
            **fixture_json("oura", "token"),
            "access_token": "new-access",
            "refresh_token": "new-refresh",
        },
        {"token_type": "bearer", "access_token": "new-access", "expires_in": 86400},
        fixture_json("oura", "invalid_grant"),
        400,
    ),
    Case(
        "whoop",
        WHOOP["token_url"],
        {
            **fixture_json("whoop", "token"),
            "access_token": "new-access",
            "refresh_token": "new-refresh",
        },
        {"access_token": "new-access", "expires_in": 3600, "token_type": "bearer"},
        fixture_json("whoop", "invalid_grant"),
        400,
    ),
    # Polar is not here: it issues no refresh token (tests/providers/polar/test_tokens.py).
    Case(
        "strava",
        STRAVA["token_url"],
        {
            **fixture_json("strava", "token_refreshed"),
            "access_token": "new-access",
            "refresh_token": "new-refresh",
            "expires_at": int(time.time()) + 20566,  # the fixture's is a past day's
        },
        {"token_type": "Bearer", "access_token": "new-access", "expires_in": 21600},
        fixture_json("strava", "error_invalid_refresh_token"),
        400,
    ),
]


@pytest.fixture(params=CASES, ids=lambda case: case.provider)
def case(request):
    return request.param


@pytest.fixture
def client_for(case):
    return PROVIDERS[case.provider].client(client_id="id", client_secret="secret")


def test_refresh_returns_the_rotated_pair(http, case, client_for):
    http.add("POST", case.token_url, json=case.success)

    tokens = client_for.refresh(refresh_token="old-refresh")

    assert (tokens.access_token, tokens.refresh_token) == ("new-access", "new-refresh")
    assert tokens.expires_at > timezone.now() + timedelta(minutes=50)


def test_refresh_without_a_new_refresh_token_keeps_the_old_one(http, case, client_for):
    http.add("POST", case.token_url, json=case.no_refresh)

    tokens = client_for.refresh(refresh_token="old-refresh")

    assert tokens.refresh_token == "old-refresh"


def test_invalid_grant_means_the_grant_is_gone(http, case, client_for):
    http.add("POST", case.token_url, json=case.invalid_grant, status=case.invalid_grant_status)

    with pytest.raises(GrantRevoked):
        client_for.refresh(refresh_token="old-refresh")


def test_429_is_rate_limited_until_retry_after(http, case, client_for):
    http.add("POST", case.token_url, status=429, headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as raised:
        client_for.refresh(refresh_token="old-refresh")

    wait = raised.value.retry_at - timezone.now()
    assert timedelta(seconds=110) < wait <= timedelta(seconds=120)


def test_5xx_is_transient(http, case, client_for):
    http.add("POST", case.token_url, status=502, body="Bad gateway")

    with pytest.raises(ProviderUnavailable):
        client_for.refresh(refresh_token="old-refresh")


def test_network_failure_is_transient(http, case, client_for):
    http.add("POST", case.token_url, body=requests.ConnectionError("no route to host"))

    with pytest.raises(ProviderUnavailable):
        client_for.refresh(refresh_token="old-refresh")


def test_non_json_body_is_a_bad_response(http, case, client_for):
    http.add("POST", case.token_url, body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(BadResponse):
        client_for.refresh(refresh_token="old-refresh")


def test_410_gone_means_the_api_is_retired(http, case, client_for):
    http.add("POST", case.token_url, status=410, json={"error": "gone"})

    with pytest.raises(ApiRetired):
        client_for.refresh(refresh_token="old-refresh")


def test_token_set_never_shows_its_secrets(http, case, client_for):
    http.add("POST", case.token_url, json=case.success)

    tokens = client_for.refresh(refresh_token="old-refresh")

    assert "new-access" not in repr(tokens) and "new-refresh" not in repr(tokens)
