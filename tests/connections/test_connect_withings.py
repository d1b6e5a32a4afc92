"""Connecting Withings: its own token request, status envelope and comma-separated scopes."""

from __future__ import annotations

import pytest

from connections.models import Credential
from tests.conftest import WITHINGS, fixture_json, page_text, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def withings_connected(logged_in, withings_app, oauth_start, http):
    _url, query = oauth_start(logged_in, "withings", ["body", "daily"])
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "token"))
    response = logged_in.get(
        "/accounts/withings/login/callback/", {"code": "abc", "state": query["state"]}
    )
    return response, query


def test_authorize_asks_for_comma_separated_scopes(withings_connected):
    _response, query = withings_connected

    assert set(query["scope"].split(",")) == {"user.info", "user.metrics", "user.activity"}
    assert query["code_challenge_method"] == "S256"


def test_token_request_carries_action_requesttoken(withings_connected, http):
    body = query_of("?" + http.calls[0].request.body)

    assert body["action"] == "requesttoken"
    assert body["grant_type"] == "authorization_code"
    assert body["client_id"] == "withings-client"


def test_connect_uses_the_userid_from_the_token_answer(withings_connected, logged_in, user):
    response, _query = withings_connected

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="withings")
    assert credential.account_uid == "363"
    assert set(credential.scopes) == {"user.info", "user.metrics", "user.activity"}
    assert credential.refresh_token == "f631236f02b991810feb774765b6ae8e6c6839ca"
    assert "Withings is connected." in page_text(logged_in.get("/connect/"))


def test_remove_revokes_with_a_signed_nonce(withings_connected, logged_in, user, http):
    http.add("POST", WITHINGS["api_url"] + "/v2/signature", json=fixture_json("withings", "nonce"))
    http.add("POST", WITHINGS["revoke_url"], json=fixture_json("withings", "revoke"))
    connection = user.connections.first()

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    revoke = query_of("?" + http.calls[-1].request.body)
    assert revoke["action"] == "revoke" and revoke["userid"] == "363"
    assert revoke["nonce"] == "5f1d7b8e3c" and len(revoke["signature"]) == 64
    assert "Withings has revoked our access." in page_text(response)
    assert Credential.objects.get(user=user).status == Credential.Status.REVOKED


def test_remove_works_when_withings_cannot_be_reached(withings_connected, logged_in, user, http):
    http.add("POST", WITHINGS["api_url"] + "/v2/signature", status=503)
    connection = user.connections.first()

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "We could not reach Withings to revoke our access" in page_text(response)
    credential = Credential.objects.get(user=user)
    assert credential.status == Credential.Status.REVOKED
    assert credential.access_token == "" and credential.refresh_token == ""
