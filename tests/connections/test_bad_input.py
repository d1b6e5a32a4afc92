"""Hostile or broken input: each case shows a clear message and changes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import GOOGLE, WITHINGS, fixture_json, page_text, snapshot

pytestmark = pytest.mark.django_db

CALLBACK = "/accounts/google_health/login/callback/"


@pytest.fixture
def connected_google(logged_in, google_connect):
    """A user with Google connected, so 'changed nothing' covers existing rows and tokens."""
    google_connect(logged_in, feeds=["sleep"])
    return logged_in


def _connect_page(client) -> str:
    return page_text(client.get("/connect/"))


def test_callback_without_state_changes_nothing(connected_google):
    before = snapshot()

    response = connected_google.get(CALLBACK, {"code": "4/0Ab-code"})

    assert response["Location"] == "/connect/"
    assert "did not match a request from this browser" in _connect_page(connected_google)
    assert snapshot() == before


def test_callback_with_wrong_state_changes_nothing(connected_google, oauth_start):
    oauth_start(connected_google, "google_health", ["body"])
    before = snapshot()

    response = connected_google.get(CALLBACK, {"code": "4/0Ab-code", "state": "forged-state"})

    assert response["Location"] == "/connect/"
    assert "did not match a request from this browser" in _connect_page(connected_google)
    assert snapshot() == before


def test_callback_replayed_after_use_changes_nothing(connected_google, oauth_start, http):
    _url, query = oauth_start(connected_google, "google_health", ["body"])
    http.add("POST", GOOGLE["token_url"], json=fixture_json("google_health", "token"))
    http.add(
        "GET", GOOGLE["api_url"] + "/v4/users/me/identity", json={"healthUserId": "a1B2c3D4e5"}
    )
    connected_google.get(CALLBACK, {"code": "4/0Ab-code", "state": query["state"]})
    before = snapshot()

    connected_google.get(CALLBACK, {"code": "4/0Ab-code", "state": query["state"]})

    assert "did not match a request from this browser" in _connect_page(connected_google)
    assert snapshot() == before


def test_access_denied_changes_nothing(connected_google, oauth_start):
    _url, query = oauth_start(connected_google, "google_health", ["body"])
    before = snapshot()

    response = connected_google.get(CALLBACK, {"error": "access_denied", "state": query["state"]})

    assert response["Location"] == "/connect/"
    assert "You did not allow Tendon to access Fitbit & Pixel Watch, so nothing was changed." in (
        _connect_page(connected_google)
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            {"status": 400, "json": {"error": "invalid_grant", "error_description": "Bad Request"}},
            "Google did not accept the sign-in",
        ),
        ({"status": 500, "body": "Internal error"}, "Google is not answering properly"),
        (
            {
                "status": 200,
                "body": "<html><body>Sign in</body></html>",
                "content_type": "text/html",
            },
            "Google is not answering properly",
        ),
        ({"status": 200, "json": {"token_type": "Bearer"}}, "Google is not answering properly"),
    ],
    ids=["code_rejected", "server_error", "html_page", "json_without_access_token"],
)
def test_token_endpoint_failure_changes_nothing(
    connected_google, oauth_start, http, reply, expected
):
    _url, query = oauth_start(connected_google, "google_health", ["body"])
    http.add("POST", GOOGLE["token_url"], **reply)
    before = snapshot()

    response = connected_google.get(CALLBACK, {"code": "4/0Ab-code", "state": query["state"]})

    assert response["Location"] == "/connect/"
    page = _connect_page(connected_google)
    assert expected in page
    assert "Nothing was changed." in page
    assert snapshot() == before


def test_withings_non_zero_status_changes_nothing(logged_in, withings_app, oauth_start, http):
    _url, query = oauth_start(logged_in, "withings", ["body"])
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "invalid_code"))
    before = snapshot()

    response = logged_in.get(
        "/accounts/withings/login/callback/", {"code": "abc", "state": query["state"]}
    )

    assert response["Location"] == "/connect/"
    assert "Withings did not accept the sign-in" in _connect_page(logged_in)
    assert snapshot() == before


@pytest.mark.parametrize("action", ["disable", "enable", "remove", "reconnect", "sync"])
def test_another_users_connection_is_not_found(client, user_factory, google_connect, action):
    owner = user_factory("owner@example.com")
    client.force_login(owner)
    google_connect(client, feeds=["sleep"])
    from connections.models import Connection

    connection = Connection.objects.get(user=owner)
    client.force_login(user_factory("intruder@example.com"))
    before = snapshot()

    response = client.post(f"/connect/{connection.pk}/{action}/")

    assert response.status_code == 404
    assert snapshot() == before


def test_another_users_connection_page_is_not_found(client, user_factory, google_connect):
    owner = user_factory("owner@example.com")
    client.force_login(owner)
    google_connect(client, feeds=["sleep"])
    from connections.models import Connection

    connection = Connection.objects.get(user=owner)
    client.force_login(user_factory("intruder@example.com"))

    for page in (f"/connect/{connection.pk}/", f"/connect/{connection.pk}/remove/"):
        response = client.get(page)
        assert response.status_code == 404
        assert "There is nothing here for your account." in page_text(response)
        assert "owner@example.com" not in page_text(response)


@pytest.mark.parametrize("action", ["disable", "enable", "reconnect", "sync"])
def test_get_on_a_state_changing_url_changes_nothing(connected_google, action):
    from connections.models import Connection

    connection = Connection.objects.get()
    before = snapshot()

    response = connected_google.get(f"/connect/{connection.pk}/{action}/")

    assert response.status_code == 405
    assert snapshot() == before


def test_get_on_remove_only_asks_for_confirmation(connected_google):
    from connections.models import Connection

    connection = Connection.objects.get()
    before = snapshot()

    response = connected_google.get(f"/connect/{connection.pk}/remove/")

    assert response.status_code == 200
    assert "Remove Fitbit & Pixel Watch?" in page_text(response)
    assert snapshot() == before


def test_state_changes_need_the_csrf_token(user, google_connect):
    from django.test import Client

    from connections.models import Connection

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    relaxed = Client()
    relaxed.force_login(user)
    google_connect(relaxed, feeds=["sleep"])
    connection = Connection.objects.get()
    before = snapshot()

    response = strict.post(f"/connect/{connection.pk}/disable/")

    assert response.status_code == 403
    assert snapshot() == before


def test_callback_when_logged_out_connects_nothing(client, google_app):
    before = snapshot()

    response = client.get(CALLBACK, {"code": "4/0Ab-code", "state": "anything"})

    assert response.status_code == 302
    assert snapshot() == before


def test_enable_with_a_feed_the_provider_does_not_offer_is_refused(logged_in, withings_app):
    before = snapshot()

    response = logged_in.post("/connect/withings/enable/", {"feeds": ["sleep"]})

    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert snapshot() == before


def test_sync_of_a_connection_needing_reauthorization_is_refused(connected_google):
    from connections.models import Connection, Credential, ImportRun

    Credential.objects.update(status=Credential.Status.NEEDS_REAUTH)
    connection = Connection.objects.get()

    response = connected_google.post(f"/connect/{connection.pk}/sync/", follow=True)

    assert "cannot be imported now: see what to do below" in page_text(response)
    assert not ImportRun.objects.exists()
