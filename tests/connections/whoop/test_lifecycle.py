"""Connect, import, lose and regain WHOOP: Disable → Remove (DELETE /v2/user/access) → Enable
with the cursor kept, Reconnect after a dead grant, and support's actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from records.models import Activity
from tests.conftest import WHOOP, fixture_json, page_text, query_of
from tests.connections.whoop.conftest import ACCESS, PROFILE, WORKOUTS

pytestmark = pytest.mark.django_db


def _revocations(http) -> list:
    return [c.request for c in http.calls if c.request.url == ACCESS]


def test_disable_remove_enable_keeps_the_data_and_carries_on_from_the_cursor(
    logged_in, user, whoop_connect, http, run_import
):
    whoop_connect(logged_in, feeds=["activities"])
    workouts = Connection.objects.get(user=user, feed="activities")
    http.add("GET", WORKOUTS, json=fixture_json("whoop", "workout_page2"))
    assert run_import(workouts).outcome == ImportRun.Outcome.OK
    cursor = Connection.objects.get(pk=workouts.pk).cursor
    http.add("DELETE", ACCESS, status=204)

    logged_in.post(f"/connect/{workouts.pk}/disable/")
    removed = logged_in.post(f"/connect/{workouts.pk}/remove/", follow=True)

    assert "WHOOP is removed. WHOOP has revoked our access." in page_text(removed)
    revoke = _revocations(http)[0]
    assert revoke.method == "DELETE"
    assert revoke.headers["Authorization"] == "Bearer whoop-access-token-1"
    credential = Credential.objects.get(user=user)
    assert credential.status == Credential.Status.REVOKED
    assert (credential.access_token, credential.refresh_token) == ("", "")
    assert Activity.objects.filter(user=user).count() == 1

    whoop_connect(logged_in, feeds=["activities"])

    again = Connection.objects.get(user=user, feed="activities")
    assert again.pk == workouts.pk and again.cursor == cursor and again.enabled
    assert again.credential.status == Credential.Status.ACTIVE


def test_remove_renews_an_access_token_that_expired_within_the_hour(
    logged_in, user, whoop_connect, http
):
    whoop_connect(logged_in, feeds=["activities"])
    http.add("DELETE", ACCESS, status=401)
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_refreshed"))
    http.add("DELETE", ACCESS, status=204)
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "WHOOP has revoked our access." in page_text(response)
    token_calls = [c.request for c in http.calls if c.request.url == WHOOP["token_url"]]
    renewed = query_of("?" + token_calls[-1].body)
    assert (renewed["refresh_token"], renewed["scope"]) == ("whoop-refresh-token-1", "offline")
    assert _revocations(http)[-1].headers["Authorization"] == "Bearer whoop-access-token-2"


def test_remove_with_a_grant_already_gone_at_whoop_still_completes(
    logged_in, user, whoop_connect, http
):
    whoop_connect(logged_in, feeds=["activities"])
    http.add("DELETE", ACCESS, status=401)
    http.add("POST", WHOOP["token_url"], status=400, json=fixture_json("whoop", "invalid_grant"))
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "WHOOP has revoked our access." in page_text(response)
    assert Credential.objects.get(user=user).status == Credential.Status.REVOKED


def test_reconnect_after_a_dead_grant_restores_the_connection(logged_in, user, whoop_connect, http):
    whoop_connect(logged_in, feeds=["activities"])
    credential = Credential.objects.get(user=user)
    Credential.objects.filter(pk=credential.pk).update(status=Credential.Status.NEEDS_REAUTH)
    connection = Connection.objects.get(user=user)

    start = logged_in.post(f"/connect/{connection.pk}/reconnect/")
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_refreshed"))
    http.add("GET", PROFILE, json=fixture_json("whoop", "profile_basic"))
    logged_in.get(
        "/accounts/whoop/login/callback/",
        {"code": "again", "state": query_of(start["Location"])["state"]},
    )

    assert "WHOOP is reconnected." in page_text(logged_in.get("/connect/"))
    credential.refresh_from_db()
    assert credential.status == Credential.Status.ACTIVE
    assert credential.refresh_token == "whoop-refresh-token-2"
    assert connection.events.filter(kind=ConnectionEvent.Kind.RECONNECTED).exists()


def test_supports_refresh_now_stores_the_rotated_pair(
    client, user_factory, logged_in, user, whoop_connect, http
):
    whoop_connect(logged_in, feeds=["activities"])
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    http.add("POST", WHOOP["token_url"], json=fixture_json("whoop", "token_refreshed"))
    connection = Connection.objects.get(user=user)

    client.post(
        "/admin/connections/connection/",
        {"action": "refresh_token_now", "_selected_action": [connection.pk]},
        follow=True,
    )

    credential = Credential.objects.get(user=user)
    assert credential.refresh_token == "whoop-refresh-token-2"
    assert credential.expires_at > timezone.now() + timedelta(minutes=55)
    assert connection.events.filter(kind=ConnectionEvent.Kind.REFRESHED).exists()
