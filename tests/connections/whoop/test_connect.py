"""Connecting WHOOP through allauth: state and PKCE, offline access, the profile's user_id."""

from __future__ import annotations

import base64
import hashlib

import pytest

from connections.models import Connection, Credential
from tests.conftest import WHOOP, fixture_json, page_text, query_of, snapshot
from tests.connections.whoop.conftest import PROFILE

pytestmark = pytest.mark.django_db


def test_enable_asks_for_offline_access_the_profile_and_the_feeds_scopes(
    logged_in, whoop_app, oauth_start
):
    url, query = oauth_start(logged_in, "whoop", ["sleep", "daily"])

    assert url.startswith(WHOOP["authorize_url"])
    assert query["response_type"] == "code" and query["client_id"] == "whoop-client"
    assert len(query["state"]) >= 8  # WHOOP: "must be eight characters long"
    assert query["code_challenge_method"] == "S256"
    assert set(query["scope"].split(" ")) == {
        "offline",
        "read:profile",
        "read:sleep",
        "read:cycles",
        "read:recovery",
    }
    assert query["redirect_uri"] == "http://testserver/accounts/whoop/login/callback/"


def test_code_exchange_sends_the_client_credentials_and_verifier_in_the_body(
    logged_in, http, whoop_app, oauth_start
):
    _url, query = oauth_start(logged_in, "whoop", ["sleep"])
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token"))
    http.add("GET", PROFILE, json=fixture_json("whoop", "profile_basic"))

    logged_in.get("/accounts/whoop/login/callback/", {"code": "c0de", "state": query["state"]})

    body = query_of("?" + http.calls[0].request.body)
    assert (body["grant_type"], body["code"]) == ("authorization_code", "c0de")
    assert (body["client_id"], body["client_secret"]) == (
        "whoop-client",
        "test-whoop-client-secret",
    )
    digest = hashlib.sha256(body["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


def test_connect_stores_the_grant_under_the_profiles_user_id_shown_by_email(
    logged_in, user, whoop_connect, http
):
    response = whoop_connect(logged_in)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="whoop")
    assert credential.account_uid == "10129"
    assert credential.account_label == "jsmith123@whoop.com"
    assert credential.refresh_token == "whoop-refresh-token-1"
    assert "offline" in credential.scopes and "read:body_measurement" in credential.scopes
    profile = next(c for c in http.calls if c.request.url == PROFILE)
    assert profile.request.headers["Authorization"] == "Bearer whoop-access-token-1"
    assert "WHOOP is connected. Importing starts now." in page_text(logged_in.get("/connect/"))


def test_a_grant_without_offline_access_is_refused_in_plain_words(
    logged_in, user, whoop_app, oauth_start, http
):
    _url, query = oauth_start(logged_in, "whoop", ["sleep"])
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_without_offline"))
    before = snapshot()

    response = logged_in.get(
        "/accounts/whoop/login/callback/", {"code": "c0de", "state": query["state"]}, follow=True
    )

    text = page_text(response)
    assert (
        "WHOOP did not give Tendon “Offline access”, which Tendon needs to keep importing" in text
    )
    assert "so nothing was connected. Please try again and keep “Offline access” allowed." in text
    assert snapshot() == before
    assert not any(c.request.url == PROFILE for c in http.calls)


def test_enable_page_explains_each_permission_in_whoops_words(logged_in, whoop_app):
    page = page_text(logged_in.get("/connect/whoop/enable/"))

    assert "Recovery — to import your recovery and resting heart rate" in page
    assert "WHOOP: “score, heart rate variability, and resting heart rate”" in page
    assert "Body measurements — to import your weight" in page


def test_enable_page_promises_only_what_each_whoop_feed_imports(logged_in, whoop_app):
    response = logged_in.get("/connect/whoop/enable/")

    page = page_text(response)
    assert (
        "Activities: your workouts: sport, time, distance, calories, average heart rate and "
        "heart-rate zones" in page
    )
    assert (
        "Daily summary: each day's strain, recovery, heart rate variability, resting heart rate "
        "and calories" in page
    )
    rows = {row.feed: row.description for row in response.context["page"].rows}
    assert "strain" not in rows["activities"]  # a workout's strain is not kept
    assert len(set(rows.values())) == len(rows)


def test_a_whoop_account_held_by_another_person_is_refused(client, user_factory, whoop_connect):
    holder, newcomer = user_factory(), user_factory()
    client.force_login(holder)
    whoop_connect(client)
    client.force_login(newcomer)
    before = snapshot()

    whoop_connect(client)

    assert "This WHOOP account is already connected to another Tendon account." in page_text(
        client.get("/connect/")
    )
    assert snapshot() == before


def test_callback_with_a_foreign_state_changes_nothing(logged_in, whoop_app, oauth_start):
    oauth_start(logged_in, "whoop", ["sleep"])
    before = snapshot()

    response = logged_in.get(
        "/accounts/whoop/login/callback/", {"code": "c0de", "state": "forged-state"}, follow=True
    )

    assert "did not match a request from this browser" in page_text(response)
    assert snapshot() == before
    assert not Connection.objects.exists()


def test_whoop_without_a_client_id_is_not_offered(logged_in):
    assert "WHOOP" not in page_text(logged_in.get("/connect/"))
    assert logged_in.get("/connect/whoop/enable/").status_code == 404


def test_enable_page_explains_every_permission_whoop_will_ask_for(logged_in, whoop_app):
    from connections.providers.whoop.scopes import PERMISSIONS

    page = page_text(logged_in.get("/connect/whoop/enable/"))

    for permission in PERMISSIONS.values():
        assert f"{permission.label} — {permission.reason}" in page


def test_a_permission_left_out_of_whoops_grant_is_explained_on_the_card_and_the_feeds_page(
    logged_in, user, whoop_connect
):
    token = fixture_json("whoop", "token")
    whoop_connect(logged_in, token={**token, "scope": token["scope"].replace(" read:sleep", "")})
    sleep = Connection.objects.get(user=user, feed="sleep")

    card = page_text(logged_in.get("/connect/"))
    detail = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert "Sleep nothing imported yet Permission missing: sleep" in card
    assert "Allow sleep data Details" in card  # the card's one button
    assert "Sleep Not allowed To import your sleep" in detail
    assert "(WHOOP: “performance % and duration per sleep stage”)" in detail
