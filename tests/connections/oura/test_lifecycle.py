"""Connect, import, lose and regain Oura: Disable → Remove (revoked at Oura) → Enable with the
cursor kept, Reconnect after a dead grant, and support's actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from records.models import Activity
from tests.conftest import OURA, fixture_json, page_text, query_of
from tests.connections.oura.conftest import collection

pytestmark = pytest.mark.django_db
WORKOUT = collection("workout")
ACCESS = fixture_json("oura", "token")["access_token"]


def _revocations(http) -> list:
    return [c.request for c in http.calls if c.request.url.startswith(OURA["revoke_url"])]


def test_disable_remove_enable_keeps_the_data_and_carries_on_from_the_cursor(
    logged_in, user, oura_connect, http, run_import
):
    oura_connect(logged_in, feeds=["activities"])
    workouts = Connection.objects.get(user=user, feed="activities")
    http.add("GET", WORKOUT, json=fixture_json("oura", "workout_page2"))
    assert run_import(workouts).outcome == ImportRun.Outcome.OK
    cursor = Connection.objects.get(pk=workouts.pk).cursor
    http.add("POST", OURA["revoke_url"], status=200)

    logged_in.post(f"/connect/{workouts.pk}/disable/")
    removed = logged_in.post(f"/connect/{workouts.pk}/remove/", follow=True)

    assert "Oura is removed. Oura has revoked our access." in page_text(removed)
    revoke = _revocations(http)[0]
    assert revoke.method == "POST" and query_of(revoke.url)["access_token"] == ACCESS
    credential = Credential.objects.get(user=user)
    assert credential.status == Credential.Status.REVOKED
    assert (credential.access_token, credential.refresh_token) == ("", "")
    assert Activity.objects.filter(user=user).count() == 1

    oura_connect(logged_in, feeds=["activities"])

    again = Connection.objects.get(user=user, feed="activities")
    assert again.pk == workouts.pk and again.cursor == cursor and again.enabled
    assert again.credential.status == Credential.Status.ACTIVE


def test_remove_renews_an_expired_access_token_to_revoke_the_grant(
    logged_in, user, oura_connect, http
):
    oura_connect(logged_in, feeds=["activities"])
    refreshed = fixture_json("oura", "token_refreshed")
    http.add("POST", OURA["revoke_url"], status=401, json=fixture_json("oura", "error_401"))
    http.add("POST", OURA["token_url"], json=refreshed)
    http.add("POST", OURA["revoke_url"], status=200)
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "Oura has revoked our access." in page_text(response)
    assert query_of(_revocations(http)[-1].url)["access_token"] == refreshed["access_token"]


def test_remove_never_waits_on_oura(logged_in, user, oura_connect, http):
    oura_connect(logged_in, feeds=["activities"])
    http.add("POST", OURA["revoke_url"], status=503)
    connection = Connection.objects.get(user=user)

    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)

    assert "We could not reach Oura to revoke our access yet" in page_text(response)
    assert Credential.objects.get(user=user).status == Credential.Status.REVOKED


def test_reconnect_after_a_dead_grant_restores_the_connection(
    logged_in, user, oura_connect, http, oauth_start
):
    oura_connect(logged_in, feeds=["activities"])
    credential = Credential.objects.get(user=user)
    Credential.objects.filter(pk=credential.pk).update(status=Credential.Status.NEEDS_REAUTH)
    connection = Connection.objects.get(user=user)

    start = logged_in.post(f"/connect/{connection.pk}/reconnect/")
    state = query_of(start["Location"])["state"]
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token_refreshed"))
    http.add(
        "GET",
        collection("personal_info"),
        json=fixture_json("oura", "personal_info"),
    )
    logged_in.get(
        "/accounts/oura/login/callback/",
        {"code": "again", "scope": "email personal workout", "state": state},
    )

    assert "Oura is reconnected." in page_text(logged_in.get("/connect/"))
    credential.refresh_from_db()
    assert credential.status == Credential.Status.ACTIVE
    assert credential.access_token == fixture_json("oura", "token_refreshed")["access_token"]
    assert connection.events.filter(kind=ConnectionEvent.Kind.RECONNECTED).exists()


def test_supports_refresh_now_stores_the_rotated_pair(
    client, user_factory, logged_in, user, oura_connect, http
):
    oura_connect(logged_in, feeds=["activities"])
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    http.add("POST", OURA["token_url"], json=fixture_json("oura", "token_refreshed"))
    connection = Connection.objects.get(user=user)

    client.post(
        "/admin/connections/connection/",
        {"action": "refresh_token_now", "_selected_action": [connection.pk]},
        follow=True,
    )

    credential = Credential.objects.get(user=user)
    assert credential.refresh_token == fixture_json("oura", "token_refreshed")["refresh_token"]
    assert credential.expires_at > timezone.now() + timedelta(hours=23)
    assert connection.events.filter(kind=ConnectionEvent.Kind.REFRESHED).exists()
