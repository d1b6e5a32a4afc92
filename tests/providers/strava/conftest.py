"""Strava mocked from the documented (and recorded) reply shapes in tests/fixtures/strava/."""

from __future__ import annotations

import time

import pytest
from allauth.socialaccount.models import SocialApp

from tests.conftest import STRAVA, fixture_json

API = STRAVA["api_url"] + "/v3"
ATHLETE = "134815"  # the id in Strava's own examples
ALL_SCOPES = "read,activity:read_all,profile:read_all"
ACCESS = fixture_json("strava", "token")["access_token"]
REFRESH = fixture_json("strava", "token")["refresh_token"]


def token_reply(name: str = "token", **changes) -> dict:
    """A token answer from the fixtures, its expiry moved to now + expires_in (the fixtures'
    absolute expires_at would be in the past on a later day)."""
    body = {**fixture_json("strava", name), **changes}
    body["expires_at"] = int(time.time()) + int(body.get("expires_in", 21600))
    return body


@pytest.fixture
def strava_app(db):
    return SocialApp.objects.create(
        provider="strava", name="Strava", client_id="strava-client", secret="strava-secret"
    )


@pytest.fixture
def strava_callback(http, strava_app, oauth_start):
    """Run Enable and Strava's callback, which reports the `scope` the person granted."""

    def run(client, *, feeds=("activities", "body"), scope=ALL_SCOPES, token=None, status=200):
        _url, query = oauth_start(client, "strava", list(feeds))
        http.add("POST", STRAVA["token_url"], json=token or token_reply(), status=status)
        params = {"code": "strava-code", "state": query["state"]}
        if scope is not None:
            params["scope"] = scope
        return client.get("/accounts/strava/login/callback/", params)

    return run


@pytest.fixture
def strava_connected(logged_in, user, strava_callback):
    """The user's Strava athlete connected with activities and body; connections by feed."""
    from connections.models import Connection

    strava_callback(logged_in)
    return {c.feed: c for c in Connection.objects.filter(user=user, provider="strava")}


def calls_to(http, url: str, method: str = "GET") -> list:
    return [
        c for c in http.calls if c.request.url.split("?")[0] == url and c.request.method == method
    ]
