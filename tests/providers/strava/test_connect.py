"""Connecting Strava: comma-separated scopes, what the person granted read from the callback,
the athlete as the account, and Remove = deauthorize."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Credential, Revocation
from tests.conftest import STRAVA, fixture_json, page_text, query_of, snapshot
from tests.providers.strava.conftest import ACCESS, ATHLETE, REFRESH, calls_to, token_reply

pytestmark = pytest.mark.django_db


def test_enable_asks_for_comma_separated_scopes_with_state_and_no_pkce(
    logged_in, strava_app, oauth_start
):
    url, query = oauth_start(logged_in, "strava", ["activities", "body"])

    assert url.startswith(STRAVA["authorize_url"])
    assert set(query["scope"].split(",")) == {"read", "activity:read_all", "profile:read_all"}
    assert query["response_type"] == "code" and query["state"]
    assert "code_challenge" not in query
    assert query["redirect_uri"] == "http://testserver/accounts/strava/login/callback/"


def test_code_exchange_sends_the_client_credentials_in_the_form(logged_in, strava_callback, http):
    strava_callback(logged_in)

    form = query_of("?" + calls_to(http, STRAVA["token_url"], "POST")[0].request.body)
    assert form == {
        "client_id": "strava-client",
        "client_secret": "strava-secret",
        "code": "strava-code",
        "grant_type": "authorization_code",
    }


def test_connect_keeps_the_athlete_id_and_what_was_granted(logged_in, user, strava_callback):
    response = strava_callback(logged_in)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="strava")
    assert credential.account_uid == ATHLETE
    assert credential.account_label == "Marianne Teutenberg"
    assert set(credential.scopes) == {"read", "activity:read_all", "profile:read_all"}
    assert (credential.access_token, credential.refresh_token) == (ACCESS, REFRESH)
    assert timedelta(hours=5) < credential.expires_at - timezone.now() <= timedelta(hours=6)
    assert "Strava is connected. Importing starts now." in page_text(logged_in.get("/connect/"))


def test_a_permission_unticked_at_strava_shows_on_that_feed_only(logged_in, user, strava_callback):
    strava_callback(logged_in, scope="read,profile:read_all")

    credential = Credential.objects.get(user=user, provider="strava")
    assert set(credential.scopes) == {"read", "profile:read_all"}
    activities = user.connections.get(feed="activities")
    page = page_text(logged_in.get(f"/connect/{activities.pk}/"))
    assert "Permission missing: activities, private ones included" in page
    body = page_text(logged_in.get(f"/connect/{user.connections.get(feed='body').pk}/"))
    assert "Permission missing" not in body


def test_nothing_allowed_connects_nothing(logged_in, strava_callback):
    before = snapshot()

    response = strava_callback(logged_in, scope="read")

    page = page_text(logged_in.get(response["Location"]))
    assert "Strava gave Tendon no health permission, so nothing was connected." in page
    assert snapshot() == before


def test_a_used_code_is_refused_in_words_and_changes_nothing(logged_in, strava_callback):
    before = snapshot()

    response = strava_callback(
        logged_in, token=fixture_json("strava", "error_invalid_code"), status=400
    )

    assert "Strava did not accept the sign-in" in page_text(logged_in.get(response["Location"]))
    assert snapshot() == before


def test_a_wrong_state_changes_nothing(logged_in, strava_app, oauth_start, http):
    oauth_start(logged_in, "strava", ["activities"])
    before = snapshot()

    response = logged_in.get(
        "/accounts/strava/login/callback/",
        {"code": "c", "state": "forged", "scope": "read,activity:read_all"},
        follow=True,
    )

    assert "did not match a request from this browser" in page_text(response)
    assert snapshot() == before and len(http.calls) == 0


def test_an_athlete_held_by_another_person_is_refused(client, user_factory, strava_callback):
    client.force_login(user_factory())
    strava_callback(client)
    client.force_login(user_factory())
    before = snapshot()

    response = strava_callback(client)

    page = page_text(client.get(response["Location"]))
    assert "This Strava account is already connected to another Tendon account." in page
    assert snapshot() == before


def test_remove_deauthorizes_with_the_access_token(logged_in, user, strava_connected, http):
    http.add("POST", STRAVA["revoke_url"], json=fixture_json("strava", "deauthorize"))

    response = logged_in.post(f"/connect/{strava_connected['activities'].pk}/remove/", follow=True)

    call = calls_to(http, STRAVA["revoke_url"], "POST")[0].request
    assert query_of("?" + call.body) == {"access_token": ACCESS}
    assert "Strava has revoked our access." in page_text(response)
    assert Credential.objects.get(user=user).status == Credential.Status.REVOKED


def test_remove_with_an_expired_access_token_renews_it_to_deauthorize(
    logged_in, user, strava_connected, http
):
    http.add("POST", STRAVA["revoke_url"], status=401, json=fixture_json("strava", "error_401"))
    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed"))
    http.add("POST", STRAVA["revoke_url"], json=fixture_json("strava", "deauthorize"))

    logged_in.post(f"/connect/{strava_connected['activities'].pk}/remove/")

    revokes = calls_to(http, STRAVA["revoke_url"], "POST")
    fresh = fixture_json("strava", "token_refreshed")["access_token"]
    assert query_of("?" + revokes[-1].request.body) == {"access_token": fresh}
    assert Revocation.objects.get().status == Revocation.Status.DONE


def test_the_2026_revoke_endpoint_takes_a_token_with_the_client_credentials(
    settings, logged_in, user, strava_connected, http
):
    revoke = "https://www.strava.test/oauth/revoke"
    settings.PROVIDER_ENDPOINTS = {
        **settings.PROVIDER_ENDPOINTS,
        "strava": {**STRAVA, "revoke_url": revoke},
    }
    http.add("POST", revoke, json={})

    logged_in.post(f"/connect/{strava_connected['activities'].pk}/remove/")

    call = calls_to(http, revoke, "POST")[0].request
    assert query_of("?" + call.body) == {"token": REFRESH}
    assert call.headers["Authorization"].startswith("Basic ")
    assert Revocation.objects.get().status == Revocation.Status.DONE
