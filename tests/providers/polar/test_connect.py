"""Connecting Polar: HTTP Basic token request, the mandatory registration, Remove = de-register."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from connections.models import Credential, Revocation
from connections.providers.polar.views import member_id
from tests.conftest import POLAR, fixture_json, page_text, query_of, snapshot
from tests.providers.polar.conftest import EVERY_FEED, POLAR_USER, USERS, body_of, calls_to

pytestmark = pytest.mark.django_db


def test_enable_asks_for_the_one_scope_with_state_and_no_pkce(logged_in, polar_app, oauth_start):
    url, query = oauth_start(logged_in, "polar", ["sleep"])

    assert url.startswith(POLAR["authorize_url"])
    assert query["scope"] == "accesslink.read_all"
    assert query["response_type"] == "code" and query["state"]
    assert "code_challenge" not in query  # Polar documents no PKCE
    assert query["redirect_uri"] == "http://testserver/accounts/polar/login/callback/"


def test_token_request_authenticates_the_client_with_http_basic(logged_in, polar_callback, http):
    polar_callback(logged_in)

    token_call = calls_to(http, POLAR["token_url"], "POST")[0].request
    expected = base64.b64encode(b"polar-client:polar-secret").decode()
    assert token_call.headers["Authorization"] == f"Basic {expected}"
    form = query_of("?" + token_call.body)
    assert form == {
        "grant_type": "authorization_code",
        "code": "polar-code",
        "redirect_uri": "http://testserver/accounts/polar/login/callback/",
    }


def test_connect_registers_the_user_and_keeps_polars_user_id(logged_in, user, polar_callback, http):
    response = polar_callback(logged_in)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="polar")
    assert credential.account_uid == POLAR_USER  # the token's x_user_id
    assert credential.account_label == "Eka Toka"
    assert credential.refresh_token == ""  # Polar issues none
    assert credential.expires_at > timezone.now() + timedelta(days=364)
    assert credential.scopes == ["accesslink.read_all"]
    registration = calls_to(http, USERS, "POST")[0]
    assert registration.request.headers["Authorization"] == "Bearer 2YotnFZFEjr1zCsicMWpAA"
    assert body_of(registration) == {
        "member-id": member_id(user_pk=user.pk, polar_user_id=POLAR_USER)
    }
    assert set(user.connections.values_list("feed", flat=True)) == set(EVERY_FEED)


def test_connecting_says_polar_has_nothing_from_before(logged_in, polar_callback):
    polar_callback(logged_in)

    page = page_text(logged_in.get("/connect/"))

    assert "Polar is connected. Importing starts now." in page
    assert "Polar shares only what you record after connecting it to Tendon" in page


def test_already_registered_409_is_success_and_names_the_account(
    logged_in, user, polar_callback, http
):
    response = polar_callback(logged_in, registration=409)

    assert response["Location"] == "/connect/"
    credential = Credential.objects.get(user=user, provider="polar")
    assert (credential.status, credential.account_label) == (Credential.Status.ACTIVE, "Eka Toka")
    assert "Polar is connected." in page_text(logged_in.get("/connect/"))


def test_missing_consents_403_tells_the_person_exactly_that_and_changes_nothing(
    logged_in, polar_callback
):
    before = snapshot()

    response = polar_callback(logged_in, registration=403)

    page = page_text(logged_in.get(response["Location"]))
    assert "Polar says you have not accepted all of its mandatory consents" in page
    assert "Sign in at account.polar.com, accept them, then connect Polar again." in page
    assert "Nothing was changed." in page
    assert snapshot() == before


def test_a_used_code_is_refused_and_changes_nothing(logged_in, polar_app, oauth_start, http):
    _url, query = oauth_start(logged_in, "polar", ["sleep"])
    http.add(
        "POST",
        POLAR["token_url"],
        status=400,
        json=fixture_json("polar", "token_error_invalid_grant"),
    )
    before = snapshot()

    response = logged_in.get(
        "/accounts/polar/login/callback/", {"code": "used", "state": query["state"]}, follow=True
    )

    assert "Polar did not accept the sign-in" in page_text(response)
    assert snapshot() == before


def test_a_client_polar_does_not_know_is_the_operators_problem_and_changes_nothing(
    logged_in, polar_app, oauth_start, http
):
    _url, query = oauth_start(logged_in, "polar", ["sleep"])
    error = fixture_json("polar", "token_error_invalid_client")
    http.add("POST", POLAR["token_url"], status=400, json=error)
    before = snapshot()

    response = logged_in.get(
        "/accounts/polar/login/callback/", {"code": "c", "state": query["state"]}, follow=True
    )

    assert "Polar is not answering properly right now" in page_text(response)
    assert snapshot() == before


def test_callback_with_a_wrong_state_changes_nothing(logged_in, polar_app, oauth_start, http):
    oauth_start(logged_in, "polar", ["sleep"])
    before = snapshot()

    response = logged_in.get(
        "/accounts/polar/login/callback/", {"code": "polar-code", "state": "forged"}, follow=True
    )

    assert "did not match a request from this browser" in page_text(response)
    assert snapshot() == before
    assert len(http.calls) == 0  # no token was asked for


def test_a_polar_account_held_by_another_person_is_refused(client, user_factory, polar_callback):
    first, second = user_factory(), user_factory()
    client.force_login(first)
    polar_callback(client)
    client.force_login(second)
    before = snapshot()

    response = polar_callback(client, registration=409)

    page = page_text(client.get(response["Location"]))
    assert "This Polar account is already connected to another Tendon account." in page
    assert snapshot() == before


def test_member_id_is_stable_per_person_and_account_and_holds_no_personal_data(user_factory):
    alice = user_factory("alice.polar@example.com")

    first = member_id(user_pk=alice.pk, polar_user_id=POLAR_USER)

    assert first == member_id(user_pk=alice.pk, polar_user_id=POLAR_USER)
    assert first != member_id(user_pk=alice.pk + 1, polar_user_id=POLAR_USER)
    assert first != member_id(user_pk=alice.pk, polar_user_id="10580")
    assert first.startswith("tendon-") and "alice" not in first and "example" not in first


def test_remove_deregisters_the_user_which_revokes_polars_token(
    logged_in, user, polar_connected, http
):
    http.add("DELETE", f"{USERS}/{POLAR_USER}", status=204)

    response = logged_in.post(f"/connect/{polar_connected['sleep'].pk}/remove/", follow=True)

    call = calls_to(http, f"{USERS}/{POLAR_USER}", "DELETE")[0]
    assert call.request.headers["Authorization"] == "Bearer 2YotnFZFEjr1zCsicMWpAA"
    assert "Polar has revoked our access." in page_text(response)
    credential = Credential.objects.get(user=user)
    assert credential.status == Credential.Status.REVOKED and credential.access_token == ""
    assert Revocation.objects.get().status == Revocation.Status.DONE
    assert not SocialAccount.objects.exists()


def test_reconnecting_after_remove_registers_again_and_resumes(
    logged_in, user, polar_connected, polar_callback, http
):
    http.add("DELETE", f"{USERS}/{POLAR_USER}", status=204)
    logged_in.post(f"/connect/{polar_connected['sleep'].pk}/remove/")

    polar_callback(logged_in, feeds=["sleep"])

    assert len(calls_to(http, USERS, "POST")) == 2
    credential = Credential.objects.get(user=user, status=Credential.Status.ACTIVE)
    assert credential.access_token == "2YotnFZFEjr1zCsicMWpAA"
    assert user.connections.get(feed="sleep").credential == credential
