"""Connecting Fitbit & Pixel Watch through Google OAuth 2.0 (mocked Google endpoints)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from connections.models import Connection, Credential
from connections.providers.google_health import scopes
from tests.conftest import GOOGLE, fixture_json, page_text, query_of

pytestmark = pytest.mark.django_db


def test_enable_sends_google_the_pkce_challenge_state_and_offline_access(
    logged_in, google_app, oauth_start
):
    url, query = oauth_start(logged_in, "google_health", ["sleep"])

    assert url.startswith(GOOGLE["authorize_url"])
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"]
    assert query["access_type"] == "offline"
    assert query["include_granted_scopes"] == "true"
    assert query["prompt"] == "consent"
    assert set(query["scope"].split()) == {"openid", "email", scopes.SLEEP}
    assert query["redirect_uri"] == "http://testserver/accounts/google_health/login/callback/"


def test_code_exchange_sends_the_pkce_verifier_matching_the_challenge(
    logged_in, http, google_app, oauth_start
):
    _url, query = oauth_start(logged_in, "google_health", ["sleep"])
    http.add("POST", GOOGLE["token_url"], json=fixture_json("google_health", "token"))
    http.add("GET", GOOGLE["api_url"] + "/v4/users/me/identity", json={"healthUserId": "u1"})

    logged_in.get(
        "/accounts/google_health/login/callback/", {"code": "4/0Ab-code", "state": query["state"]}
    )

    body = query_of("?" + http.calls[0].request.body)
    digest = hashlib.sha256(body["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    assert body["grant_type"] == "authorization_code"
    assert body["code"] == "4/0Ab-code"


def test_connect_stores_the_grant_under_the_health_user_id_shown_by_email(
    logged_in, user, google_connect
):
    response = google_connect(logged_in)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="google_health")
    assert credential.account_uid == "a1B2c3D4e5"
    assert credential.account_label == "alice.runner@gmail.com"
    assert scopes.SLEEP in credential.scopes and scopes.ACTIVITY in credential.scopes
    assert credential.refresh_token == "1//0g-sample-refresh-token"
    page = page_text(logged_in.get("/connect/"))
    assert "Fitbit & Pixel Watch is connected." in page
    assert "alice.runner@gmail.com" in page


def test_adding_a_feed_asks_only_for_its_scope_without_forcing_consent(
    logged_in, google_connect, oauth_start
):
    google_connect(logged_in, feeds=["sleep"])

    _url, query = oauth_start(logged_in, "google_health", ["body"])

    assert "prompt" not in query
    assert scopes.HEALTH_METRICS in query["scope"].split()
    assert scopes.SLEEP not in query["scope"].split()


def test_incremental_grant_without_refresh_token_keeps_the_stored_one(
    logged_in, user, google_connect
):
    google_connect(logged_in, feeds=["sleep"])
    no_refresh = fixture_json("google_health", "token_refreshed")
    no_refresh["scope"] += " " + scopes.HEALTH_METRICS

    google_connect(logged_in, feeds=["body"], token=no_refresh)

    credential = Credential.objects.get(user=user)
    assert credential.refresh_token == "1//0g-sample-refresh-token"
    assert credential.access_token == "ya29.a0-refreshed-access-token"
    assert {"sleep", "body"} <= set(Connection.objects.values_list("feed", flat=True))


def test_token_is_not_stored_in_clear(logged_in, user, google_connect):
    from django.db import connection as db

    google_connect(logged_in)

    with db.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM connections_credential")
        access_raw, refresh_raw = cursor.fetchone()
    assert "ya29" not in access_raw and "sample" not in access_raw
    assert "sample-refresh" not in refresh_raw
    assert access_raw.startswith("gAAAAA")  # Fernet
    assert Credential.objects.get(user=user).access_token == "ya29.a0-sample-access-token"


def test_identity_call_carries_the_new_access_token(logged_in, http, google_connect):
    google_connect(logged_in)

    identity_call = next(c for c in http.calls if c.request.url.endswith("/identity"))
    assert identity_call.request.headers["Authorization"] == "Bearer ya29.a0-sample-access-token"


def test_provider_without_client_id_is_not_offered(logged_in):
    page = page_text(logged_in.get("/connect/"))

    assert "Fitbit & Pixel Watch (Google Health)" not in page
    assert logged_in.get("/connect/google_health/enable/").status_code == 404


def test_remove_revokes_the_grant_at_google(logged_in, user, google_connect, http):
    google_connect(logged_in, feeds=["sleep"])
    http.add("POST", GOOGLE["revoke_url"], status=200)
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert query_of("?" + http.calls[-1].request.body) == {"token": "1//0g-sample-refresh-token"}
    assert "Google has revoked our access." in page_text(response)
    assert Credential.objects.get(user=user).refresh_token == ""
