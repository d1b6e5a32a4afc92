"""Oura through its real doors, with Oura's HTTP mocked from tests/fixtures/oura."""

from __future__ import annotations

import json
import time

import pytest

from connections.models import Connection
from connections.providers.oura.webhook import signature
from tests.conftest import OURA, fixture_json

ALL_FEEDS = ("activities", "sleep", "heart_rate", "daily")
ACCOUNT_ID = fixture_json("oura", "personal_info")["id"]
SECRET = "test-oura-client-secret"  # the oura_app fixture's, as in webhook_signed_example.json
PERSONAL_INFO = OURA["api_url"] + "/v2/usercollection/personal_info"


def collection(name: str) -> str:
    return f"{OURA['api_url']}/v2/usercollection/{name}"


@pytest.fixture
def oura_connect(http, oura_app, oauth_start):
    """Run Enable against mocked Oura endpoints; returns the callback response.

    `granted` is the callback's `scope` (what the person left switched on at Oura); by default
    everything that was asked for."""

    def run(client, *, feeds=ALL_FEEDS, granted=None, token=None, personal=None):
        _url, query = oauth_start(client, "oura", feeds)
        http.add("POST", OURA["token_url"], json=token or fixture_json("oura", "token"))
        http.add("GET", PERSONAL_INFO, json=personal or fixture_json("oura", "personal_info"))
        return client.get(
            "/accounts/oura/login/callback/",
            {
                "code": "TRUQR7C6PRIYDRXMCQLAMW4V5LFFZVFO",
                "scope": query["scope"] if granted is None else granted,
                "state": query["state"],
            },
        )

    return run


@pytest.fixture
def oura_connected(logged_in, user, oura_connect):
    """The user's Oura account connected with every feed; returns the connections by feed."""
    oura_connect(logged_in)
    return {c.feed: c for c in Connection.objects.filter(user=user, provider="oura")}


@pytest.fixture
def oura_push(settings, webhook_post):
    """POSTs events to /webhooks/oura/ signed as Oura signs them (now, unless told)."""
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = "oura-verification-token"

    def post(payload, *, timestamp=None, sign=None, body=None):
        raw = body if body is not None else json.dumps(payload, separators=(",", ":")).encode()
        stamp = str(int(time.time())) if timestamp is None else str(timestamp)
        given = sign if sign is not None else signature(SECRET, stamp, raw)
        return webhook_post("oura", raw, **{"x-oura-signature": given, "x-oura-timestamp": stamp})

    return post
