"""Strava's rotating refresh tokens through the one token door."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connections.models import Credential
from connections.services.tokens import NeedsReauthorization, credential_get_access_token
from tests.concurrency import at_once
from tests.conftest import STRAVA, fixture_json, query_of
from tests.providers.strava.conftest import ACCESS, ATHLETE, REFRESH, calls_to, token_reply

ROTATED = fixture_json("strava", "token_refreshed")


@pytest.fixture
def strava_grant(user_factory, strava_app):
    """A Strava credential whose six-hour access token has just expired."""
    owner = user_factory()
    return Credential.objects.create(
        user=owner,
        provider="strava",
        account_uid=ATHLETE,
        access_token=ACCESS,
        refresh_token=REFRESH,
        scopes=["read", "activity:read_all"],
        expires_at=timezone.now() - timedelta(minutes=1),
        last_refreshed_at=timezone.now() - timedelta(hours=6),
    )


@pytest.mark.django_db
def test_a_refresh_stores_the_rotated_pair(strava_grant, http):
    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed"))

    assert credential_get_access_token(credential=strava_grant) == ROTATED["access_token"]

    stored = Credential.objects.get(pk=strava_grant.pk)
    assert (stored.access_token, stored.refresh_token) == (
        ROTATED["access_token"],
        ROTATED["refresh_token"],
    )
    form = query_of("?" + calls_to(http, STRAVA["token_url"], "POST")[0].request.body)
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": "strava-client",
        "client_secret": "strava-secret",
    }
    assert stored.scopes == ["read", "activity:read_all"]  # a refresh does not say: kept


@pytest.mark.django_db
def test_the_next_refresh_spends_the_rotated_token(strava_grant, http):
    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed"))
    credential_get_access_token(credential=strava_grant)

    credential_get_access_token(credential=strava_grant, force_refresh=True)

    last = query_of("?" + calls_to(http, STRAVA["token_url"], "POST")[-1].request.body)
    assert last["refresh_token"] == ROTATED["refresh_token"]


@pytest.mark.django_db
def test_an_unchanged_answer_keeps_working(strava_grant, http):
    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed_unchanged"))

    token = credential_get_access_token(credential=strava_grant, force_refresh=True)

    stored = Credential.objects.get(pk=strava_grant.pk)
    assert token == ACCESS and stored.refresh_token == REFRESH
    assert stored.expires_at > timezone.now() + timedelta(hours=2)


@pytest.mark.django_db
def test_a_refused_refresh_token_flags_the_grant(strava_grant, http):
    http.add(
        "POST",
        STRAVA["token_url"],
        status=400,
        json=fixture_json("strava", "error_invalid_refresh_token"),
    )

    with pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=strava_grant)

    assert Credential.objects.get(pk=strava_grant.pk).status == Credential.Status.NEEDS_REAUTH


@pytest.mark.django_db
def test_strava_refusing_the_application_is_not_the_persons_doing(strava_grant, http):
    http.add(
        "POST",
        STRAVA["token_url"],
        status=400,
        json=fixture_json("strava", "error_invalid_client_id"),
    )

    with pytest.raises(Exception) as refused:
        credential_get_access_token(credential=strava_grant)

    assert refused.value.code == "provider_refused"
    assert Credential.objects.get(pk=strava_grant.pk).status == Credential.Status.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_eight_callers_at_once_spend_stravas_refresh_token_once(strava_grant, http):
    if db.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL")
    spent = []

    def token_endpoint(request):
        spent.append(query_of("?" + request.body)["refresh_token"])
        time.sleep(0.3)  # a slow Strava widens the window for a race
        if len(spent) > 1:  # the old refresh token died when the first answer was made
            return 400, {}, json.dumps(fixture_json("strava", "error_invalid_refresh_token"))
        return 200, {"Content-Type": "application/json"}, json.dumps(token_reply("token_refreshed"))

    http.add_callback("POST", STRAVA["token_url"], callback=token_endpoint)
    results, errors = at_once(lambda: credential_get_access_token(credential=strava_grant))

    assert errors == []
    assert spent == [REFRESH]
    assert results == [ROTATED["access_token"]] * 8
    assert Credential.objects.get(pk=strava_grant.pk).refresh_token == ROTATED["refresh_token"]
