"""WHOOP through its real doors, with WHOOP's HTTP mocked from tests/fixtures/whoop."""

from __future__ import annotations

import json
import time

import pytest

from connections.models import Connection
from connections.providers.whoop.webhook import signature
from tests.conftest import WHOOP, fixture_json

ALL_FEEDS = ("activities", "sleep", "daily", "body")
ACCOUNT_ID = str(fixture_json("whoop", "profile_basic")["user_id"])
SECRET = "test-whoop-client-secret"  # the whoop_app fixture's, as in webhook_signed_example.json
PROFILE = WHOOP["api_url"] + "/v2/user/profile/basic"
WORKOUTS = WHOOP["api_url"] + "/v2/activity/workout"
SLEEPS = WHOOP["api_url"] + "/v2/activity/sleep"
CYCLES = WHOOP["api_url"] + "/v2/cycle"
RECOVERIES = WHOOP["api_url"] + "/v2/recovery"
BODY = WHOOP["api_url"] + "/v2/user/measurement/body"
ACCESS = WHOOP["api_url"] + "/v2/user/access"


@pytest.fixture
def whoop_connect(http, whoop_app, oauth_start):
    """Run Enable against mocked WHOOP endpoints; returns the callback response."""

    def run(client, *, feeds=ALL_FEEDS, token=None, profile=None):
        _url, query = oauth_start(client, "whoop", feeds)
        http.add("POST", WHOOP["token_url"], json=token or fixture_json("whoop", "token"))
        http.add("GET", PROFILE, json=profile or fixture_json("whoop", "profile_basic"))
        return client.get(
            "/accounts/whoop/login/callback/", {"code": "whoop-code", "state": query["state"]}
        )

    return run


@pytest.fixture
def whoop_connected(logged_in, user, whoop_connect):
    """The user's WHOOP account connected with every feed; returns the connections by feed."""
    whoop_connect(logged_in)
    return {c.feed: c for c in Connection.objects.filter(user=user, provider="whoop")}


@pytest.fixture
def whoop_push(webhook_post, whoop_app):
    """POSTs events to /webhooks/whoop/ signed as WHOOP signs them (now, unless told)."""

    def post(payload, *, timestamp=None, sign=None, body=None):
        raw = body if body is not None else json.dumps(payload, separators=(",", ":")).encode()
        stamp = str(int(time.time() * 1000)) if timestamp is None else str(timestamp)
        given = sign if sign is not None else signature(SECRET, stamp, raw)
        headers = {"X-WHOOP-Signature": given, "X-WHOOP-Signature-Timestamp": stamp}
        return webhook_post("whoop", raw, **headers)

    return post
