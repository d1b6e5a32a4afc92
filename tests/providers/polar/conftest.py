"""Polar AccessLink mocked from the documented reply shapes in tests/fixtures/polar/."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialApp

from tests.conftest import FIXTURES, POLAR, fixture_json

API = POLAR["api_url"]
USERS = API + "/v3/users"
POLAR_USER = "10579"  # the token fixture's x_user_id
EVERY_FEED = ("activities", "sleep", "heart_rate", "daily", "body")
SIGNED = fixture_json("polar", "webhook_signed_examples")
SECRET = SIGNED["signature_secret_key"]


def delivery(name: str) -> tuple[bytes, dict[str, str]]:
    """A webhook delivery exactly as signed in the fixtures: (raw body, headers)."""
    for item in SIGNED["deliveries"]:
        if item["file"] == f"{name}.json":
            headers = {k: v for k, v in item["headers"].items() if k != "Content-Type"}
            return item["raw_body"].encode(), headers
    raise KeyError(name)


def raw(name: str) -> bytes:
    return (FIXTURES / "polar" / f"{name}.json").read_bytes().strip()


@pytest.fixture
def polar_app(db):
    return SocialApp.objects.create(
        provider="polar", name="Polar", client_id="polar-client", secret="polar-secret"
    )


@pytest.fixture
def polar_callback(http, polar_app, oauth_start):
    """Run Enable and Polar's callback: the token, then the registration Polar answers with
    `registration` (a status, or 200 with the user). Returns the callback's response."""

    def run(client, *, feeds=EVERY_FEED, registration=200, token=None, profile=None):
        _url, query = oauth_start(client, "polar", list(feeds))
        http.add("POST", POLAR["token_url"], json=token or fixture_json("polar", "token"))
        if registration == 200:
            http.add("POST", USERS, json=fixture_json("polar", "register_user"))
        else:
            http.add("POST", USERS, status=registration)
        if registration == 409:
            http.add(
                "GET",
                f"{USERS}/{POLAR_USER}",
                json=profile or fixture_json("polar", "register_user"),
            )
        return client.get(
            "/accounts/polar/login/callback/", {"code": "polar-code", "state": query["state"]}
        )

    return run


@pytest.fixture
def polar_connected(logged_in, user, polar_callback):
    """The user's Polar account connected with every feed; returns the connections by feed."""
    from connections.models import Connection

    polar_callback(logged_in)
    return {c.feed: c for c in Connection.objects.filter(user=user, provider="polar")}


@pytest.fixture
def polar_data(http):
    """Polar serves the fixtures' data (each list once per call made)."""

    def serve(headers: dict | None = None):
        extra = {"headers": headers} if headers else {}
        http.add("GET", API + "/v3/exercises", json=fixture_json("polar", "exercises"), **extra)
        http.add("GET", USERS + "/sleep", json=fixture_json("polar", "sleep_nights"), **extra)
        http.add(
            "GET",
            USERS + "/nightly-recharge",
            json=fixture_json("polar", "nightly_recharge"),
            **extra,
        )
        http.add("GET", USERS + "/activities", json=fixture_json("polar", "activities"), **extra)
        http.add(
            "GET", USERS + "/physical-info", json=fixture_json("polar", "physical_info"), **extra
        )

    return serve


def calls_to(http, url: str, method: str = "GET") -> list:
    return [
        c for c in http.calls if c.request.url.split("?")[0] == url and c.request.method == method
    ]


def body_of(call) -> dict:
    return json.loads(call.request.body)
