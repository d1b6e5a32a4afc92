"""Connecting Oura through allauth: state and PKCE, the callback's scopes, the account id."""

from __future__ import annotations

import base64
import hashlib

import pytest

from connections.models import Connection, Credential
from connections.selectors import connection_status
from tests.conftest import OURA, fixture_json, page_text, query_of, snapshot
from tests.connections.oura.conftest import ACCOUNT_ID, PERSONAL_INFO

pytestmark = pytest.mark.django_db


def test_enable_sends_oura_the_state_the_pkce_challenge_and_the_feeds_scopes(
    logged_in, oura_app, oauth_start
):
    url, query = oauth_start(logged_in, "oura", ["sleep", "heart_rate"])

    assert url.startswith(OURA["authorize_url"])
    assert query["response_type"] == "code" and query["client_id"] == "oura-client"
    assert len(query["state"]) >= 8
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert set(query["scope"].split(" ")) == {"personal", "email", "daily", "heartrate"}
    assert query["redirect_uri"] == "http://testserver/accounts/oura/login/callback/"


def test_code_exchange_sends_the_client_credentials_and_verifier_in_the_body(
    logged_in, http, oura_app, oauth_start
):
    _url, query = oauth_start(logged_in, "oura", ["sleep"])
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token"))
    http.add("GET", PERSONAL_INFO, json=fixture_json("oura", "personal_info"))

    logged_in.get(
        "/accounts/oura/login/callback/",
        {"code": "TRUQR7C6", "scope": query["scope"], "state": query["state"]},
    )

    body = query_of("?" + http.calls[0].request.body)
    assert (body["grant_type"], body["code"]) == ("authorization_code", "TRUQR7C6")
    assert (body["client_id"], body["client_secret"]) == ("oura-client", "test-oura-client-secret")
    assert body["redirect_uri"] == "http://testserver/accounts/oura/login/callback/"
    digest = hashlib.sha256(body["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


def test_connect_stores_the_grant_under_the_personal_info_id_shown_by_email(
    logged_in, user, oura_connect, http
):
    response = oura_connect(logged_in)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="oura")
    assert credential.account_uid == ACCOUNT_ID
    assert credential.account_label == "example@example.com"
    assert credential.refresh_token == "M4QZ7KX2VT9WLR3NB6YHJ5PD8CGF1SEA"
    assert set(credential.scopes) == {"personal", "email", "daily", "workout", "heartrate"}
    identity = next(c for c in http.calls if c.request.url.endswith("/personal_info"))
    assert identity.request.headers["Authorization"] == "Bearer PHCW3OVMXQZX5FJUR6ZK4FAA2MK2CWWA"
    page = page_text(logged_in.get("/connect/"))
    assert "Oura is connected. Importing starts now." in page
    assert "example@example.com" in page
    feeds = set(Connection.objects.filter(user=user).values_list("feed", flat=True))
    assert feeds == {"activities", "sleep", "heart_rate", "daily"}


def test_a_scope_switched_off_at_oura_shows_permission_missing_on_its_feeds_only(
    logged_in, user, oura_connect
):
    oura_connect(logged_in, granted="email personal workout heartrate")

    statuses = {
        c.feed: connection_status(connection=c).label for c in Connection.objects.filter(user=user)
    }
    assert statuses["sleep"] == statuses["daily"] == "Permission missing: daily summaries"
    assert statuses["activities"] == statuses["heart_rate"] == "Connected"


def test_an_account_without_an_email_is_named_by_its_id(logged_in, user, oura_connect):
    oura_connect(logged_in, personal={"id": ACCOUNT_ID, "email": None})

    assert Credential.objects.get(user=user).account_label == "Oura account 8f9a5221"


def test_enable_page_explains_each_permission_in_ouras_words(logged_in, oura_app):
    page = page_text(logged_in.get("/connect/oura/enable/"))

    assert "Daily summaries — to import your daily steps, calories and activity" in page
    assert "Oura: “daily summaries of sleep, activity and readiness”" in page
    assert "Heart rate — to import your resting heart rate" in page
    assert "Workouts — to import your workouts" in page


def test_enable_page_promises_only_what_each_oura_feed_imports(logged_in, oura_app):
    response = logged_in.get("/connect/oura/enable/")

    page = page_text(response)
    assert (
        "Heart rate: your resting heart rate each day: the lowest heart rate your ring measured "
        "while you slept" in page
    )
    assert "through the day" not in page  # the day's samples are read, not kept
    assert (
        "Daily summary: your daily steps, calories, distance and active time, and your "
        "activity, sleep and readiness scores" in page
    )
    sentences = [row.description for row in response.context["page"].rows]
    assert len(set(sentences)) == len(sentences)


def test_callback_with_a_foreign_state_changes_nothing(logged_in, oura_app, oauth_start):
    oauth_start(logged_in, "oura", ["sleep"])
    before = snapshot()

    response = logged_in.get(
        "/accounts/oura/login/callback/", {"code": "abc", "state": "not-ours-12345"}, follow=True
    )

    assert "did not match a request from this browser" in page_text(response)
    assert snapshot() == before


def test_refused_consent_changes_nothing(logged_in, oura_app, oauth_start):
    _url, query = oauth_start(logged_in, "oura", ["sleep"])
    before = snapshot()

    response = logged_in.get(
        "/accounts/oura/login/callback/",
        {"error": "access_denied", "state": query["state"]},
        follow=True,
    )

    assert "You did not allow Tendon to access Oura, so nothing was changed." in page_text(response)
    assert snapshot() == before


def test_an_oura_account_held_by_another_person_is_refused(client, user_factory, oura_connect):
    holder, newcomer = user_factory(), user_factory()
    client.force_login(holder)
    oura_connect(client)
    client.force_login(newcomer)
    before = snapshot()

    oura_connect(client)

    assert "This Oura account is already connected to another Tendon account." in page_text(
        client.get("/connect/")
    )
    assert snapshot() == before
    assert not Credential.objects.filter(user=newcomer).exists()


def test_oura_without_a_client_id_is_not_offered(logged_in):
    assert "Oura" not in page_text(logged_in.get("/connect/"))
    assert logged_in.get("/connect/oura/enable/").status_code == 404


def test_connecting_with_a_lapsed_membership_says_so_and_changes_nothing(
    logged_in, http, oura_app, oauth_start
):
    _url, query = oauth_start(logged_in, "oura", ["sleep"])
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token"))
    http.add("GET", PERSONAL_INFO, status=403, json=fixture_json("oura", "error_403_membership"))
    before = snapshot()

    response = logged_in.get(
        "/accounts/oura/login/callback/",
        {"code": "c", "scope": query["scope"], "state": query["state"]},
        follow=True,
    )

    assert "Oura says the membership on this account is not active" in page_text(response)
    assert snapshot() == before


def test_enable_page_explains_every_permission_oura_will_ask_for(logged_in, oura_app):
    from connections.providers.oura.scopes import PERMISSIONS

    page = page_text(logged_in.get("/connect/oura/enable/"))

    for permission in PERMISSIONS.values():
        assert f"{permission.label} — {permission.reason}" in page


def test_a_permission_switched_off_at_oura_is_explained_on_the_card_and_the_feeds_page(
    logged_in, user, oura_connect
):
    oura_connect(logged_in, granted="email personal workout heartrate")
    sleep = Connection.objects.get(user=user, feed="sleep")

    card = page_text(logged_in.get("/connect/"))
    detail = page_text(logged_in.get(f"/connect/{sleep.pk}/"))

    assert "Sleep nothing imported yet Permission missing: daily summaries" in card
    assert "Allow daily summaries data Details" in card  # the card's one button
    assert "Daily summaries Not allowed To import your daily steps" in detail
    assert "your sleep periods (Oura: “daily summaries of sleep, activity and readiness”)" in detail
