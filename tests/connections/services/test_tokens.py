"""The one door for tokens: lock, re-check, refresh, store the rotated pair, return."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connections.models import Credential
from connections.providers.base import ProviderError
from connections.services.tokens import (
    NeedsReauthorization,
    credential_get_access_token,
    credentials_refresh_expiring,
)
from tests.concurrency import at_once
from tests.conftest import GOOGLE, SteppingClock

ROTATED = {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600}


@pytest.fixture
def credential_factory(user_factory, google_app):
    def make(*, expires_in: timedelta, refreshed_ago: timedelta = timedelta(minutes=1)):
        return Credential.objects.create(
            user=(owner := user_factory()),
            provider="google_health",
            account_uid=f"acct-{owner.pk}",
            access_token="old-access",
            refresh_token="old-refresh",
            expires_at=timezone.now() + expires_in,
            last_refreshed_at=timezone.now() - refreshed_ago,
        )

    return make


@pytest.mark.django_db
def test_valid_token_is_returned_without_asking_the_provider(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(hours=1))

    assert credential_get_access_token(credential=credential) == "old-access"
    assert len(http.calls) == 0


@pytest.mark.django_db
def test_token_near_expiry_is_refreshed_and_the_rotated_pair_stored(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(minutes=2))
    http.add("POST", GOOGLE["token_url"], json=ROTATED)

    assert credential_get_access_token(credential=credential) == "new-access"

    stored = Credential.objects.get(pk=credential.pk)
    assert (stored.access_token, stored.refresh_token) == ("new-access", "new-refresh")
    assert stored.expires_at > timezone.now() + timedelta(minutes=55)


@pytest.mark.django_db
def test_second_refresh_reuses_the_rotated_token(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(minutes=2))
    http.add("POST", GOOGLE["token_url"], json=ROTATED)
    credential_get_access_token(credential=credential)
    http.add("POST", GOOGLE["token_url"], json={**ROTATED, "refresh_token": "third"})

    credential_get_access_token(credential=credential, force_refresh=True)

    assert "refresh_token=new-refresh" in http.calls[-1].request.body


@pytest.mark.django_db
def test_idle_grant_is_refreshed_after_a_day(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(hours=1), refreshed_ago=timedelta(days=2))
    http.add("POST", GOOGLE["token_url"], json=ROTATED)

    assert credential_get_access_token(credential=credential) == "new-access"


@pytest.mark.django_db
def test_provider_outage_during_refresh_is_not_a_dead_grant(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(minutes=-5))
    http.add("POST", GOOGLE["token_url"], status=503)

    with pytest.raises(ProviderError):
        credential_get_access_token(credential=credential)

    stored = Credential.objects.get(pk=credential.pk)
    assert stored.status == Credential.Status.ACTIVE and stored.refresh_failures == 1
    assert stored.refresh_token == "old-refresh"


@pytest.mark.django_db
def test_invalid_grant_flags_the_credential(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(minutes=-5))
    http.add("POST", GOOGLE["token_url"], status=400, json={"error": "invalid_grant"})

    with pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=credential)

    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.NEEDS_REAUTH


@pytest.mark.django_db
def test_refresher_renews_only_tokens_expiring_within_the_hour(credential_factory, http):
    soon = credential_factory(expires_in=timedelta(minutes=20), refreshed_ago=timedelta(minutes=40))
    later = credential_factory(expires_in=timedelta(hours=5))
    just_renewed = credential_factory(expires_in=timedelta(minutes=55))
    http.add("POST", GOOGLE["token_url"], json=ROTATED)

    counts = credentials_refresh_expiring()

    assert counts == {"refreshed": 1, "flagged": 0, "failed": 0, "left_for_next_run": 0}
    assert Credential.objects.get(pk=soon.pk).access_token == "new-access"
    assert Credential.objects.get(pk=later.pk).access_token == "old-access"
    assert Credential.objects.get(pk=just_renewed.pk).access_token == "old-access"


@pytest.mark.django_db(transaction=True)
def test_eight_workers_at_once_spend_the_refresh_token_once(credential_factory, http):
    if db.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL")
    credential = credential_factory(expires_in=timedelta(minutes=-1))
    spent = []

    def token_endpoint(request):
        spent.append(request.body)
        time.sleep(0.3)  # a slow provider widens the window for a race
        return (
            200,
            {"Content-Type": "application/json"},
            ('{"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600}'),
        )

    http.add_callback("POST", GOOGLE["token_url"], callback=token_endpoint)
    results, errors = at_once(lambda: credential_get_access_token(credential=credential))

    assert errors == []
    assert len(spent) == 1
    assert results == ["new-access"] * 8


@pytest.mark.django_db
def test_google_refusing_after_an_interrupted_refresh_is_its_own_refusal(
    credential_factory, http, django_capture_on_commit_callbacks, mailoutbox
):
    # A worker took the lease and died. Google does not rotate refresh tokens, so that refresh
    # cannot have spent the one we hold: Google's refusal now is Google's word, not our loss.
    credential = credential_factory(expires_in=timedelta(minutes=-5))
    Credential.objects.filter(pk=credential.pk).update(
        refresh_lease_until=timezone.now() - timedelta(seconds=1)
    )
    http.add("POST", GOOGLE["token_url"], status=400, json={"error": "invalid_grant"})

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=credential)

    flagged = Credential.objects.get(pk=credential.pk)
    assert flagged.flag_cause == Credential.FlagCause.PROVIDER
    assert "Google stopped accepting Tendon's access to Fitbit & Pixel Watch" in mailoutbox[0].body
    assert "while renewing" not in mailoutbox[0].body


@pytest.mark.django_db
def test_an_ordinary_invalid_grant_says_the_provider_stopped_accepting(credential_factory, http):
    credential = credential_factory(expires_in=timedelta(minutes=-5))
    http.add("POST", GOOGLE["token_url"], status=400, json={"error": "invalid_grant"})

    with pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=credential)

    assert Credential.objects.get(pk=credential.pk).flag_cause == Credential.FlagCause.PROVIDER


@pytest.mark.django_db
def test_withings_interrupted_refresh_recovers_with_the_old_token_it_keeps_valid(
    user_factory, withings_app, http, django_capture_on_commit_callbacks, mailoutbox
):
    import json
    from urllib.parse import parse_qs

    from connections.models import ConnectionEvent
    from tests.conftest import WITHINGS

    # A worker refreshed, Withings rotated the pair to a2/r2, and the worker died before
    # storing it. Withings keeps r1 valid until a2 is first used (never, here); a token it
    # never issued, or one it has retired, it refuses with status 503 "invalid refresh_token".
    valid, sent = {"old-refresh", "r2"}, []

    def withings_token_endpoint(request):
        refresh_token = parse_qs(request.body)["refresh_token"][0]
        sent.append(refresh_token)
        if refresh_token not in valid:
            return 200, {}, json.dumps({"status": 503, "error": "Invalid refresh_token"})
        valid.clear()
        valid.add("r3")
        body = {"access_token": "a3", "refresh_token": "r3", "expires_in": 10800, "userid": 363}
        return 200, {}, json.dumps({"status": 0, "body": body})

    http.add_callback("POST", WITHINGS["token_url"], callback=withings_token_endpoint)
    owner = user_factory()
    credential = Credential.objects.create(
        user=owner,
        provider="withings",
        account_uid="363",
        access_token="old-access",
        refresh_token="old-refresh",
        expires_at=timezone.now() - timedelta(minutes=1),
        last_refreshed_at=timezone.now() - timedelta(hours=3),
        refresh_lease_until=timezone.now() - timedelta(seconds=1),  # lapsed: its worker died
    )

    with django_capture_on_commit_callbacks(execute=True):
        token = credential_get_access_token(credential=credential)

    assert sent == ["old-refresh"]  # the token we still hold, which Withings still accepts
    assert token == "a3"
    stored = Credential.objects.get(pk=credential.pk)
    assert (stored.access_token, stored.refresh_token) == ("a3", "r3")
    assert (stored.status, stored.flag_cause, stored.refresh_lease_until) == (
        Credential.Status.ACTIVE,
        "",
        None,
    )
    assert not ConnectionEvent.objects.filter(kind=ConnectionEvent.Kind.FLAGGED).exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_refresher_stops_within_its_time_budget_and_leaves_the_rest(
    credential_factory, http, monkeypatch, settings
):
    from connections.services import tokens

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 120}  # a budget of 40 s
    for _ in range(3):
        credential_factory(expires_in=timedelta(minutes=20), refreshed_ago=timedelta(hours=1))
    http.add("POST", GOOGLE["token_url"], json=ROTATED)
    monkeypatch.setattr(tokens.time, "monotonic", SteppingClock(60))

    counts = credentials_refresh_expiring()

    assert counts["left_for_next_run"] == 3
    assert counts["refreshed"] == 0
