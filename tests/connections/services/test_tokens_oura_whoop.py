"""Oura and WHOOP rotate their refresh tokens on every refresh (single use): the one token door
stores the new pair in the refresh's transaction and spends each refresh token once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connections.models import Credential
from connections.providers import PROVIDERS
from connections.services.tokens import NeedsReauthorization, credential_get_access_token
from tests.concurrency import at_once
from tests.conftest import OURA, WHOOP, fixture_json, query_of


@dataclass
class Case:
    provider: str
    token_url: str
    app: str  # the SocialApp fixture

    def refreshed(self) -> dict:
        return fixture_json(self.provider, "token_refreshed")

    def invalid_grant(self) -> dict:
        return fixture_json(self.provider, "invalid_grant")


CASES = [
    Case("oura", OURA["token_url"], "oura_app"),
    Case("whoop", WHOOP["token_url"], "whoop_app"),
]


@pytest.fixture(params=CASES, ids=lambda case: case.provider)
def case(request):
    request.getfixturevalue(request.param.app)
    return request.param


@pytest.fixture
def expired(case, user_factory):
    """An expired grant of the case's provider holding the refresh token "old-refresh"."""
    return Credential.objects.create(
        user=user_factory(),
        provider=case.provider,
        account_uid="acct-1",
        access_token="old-access",
        refresh_token="old-refresh",
        expires_at=timezone.now() - timedelta(minutes=1),
        last_refreshed_at=timezone.now() - timedelta(hours=2),
    )


@pytest.mark.django_db
def test_refresh_stores_the_rotated_pair(case, expired, http):
    http.add("POST", case.token_url, json=case.refreshed())

    token = credential_get_access_token(credential=expired)

    stored = Credential.objects.get(pk=expired.pk)
    assert token == stored.access_token == case.refreshed()["access_token"]
    assert stored.refresh_token == case.refreshed()["refresh_token"]
    assert stored.expires_at > timezone.now() + timedelta(minutes=50)
    body = query_of("?" + http.calls[0].request.body)
    assert (body["grant_type"], body["refresh_token"]) == ("refresh_token", "old-refresh")
    assert body["client_id"] and body["client_secret"]


@pytest.mark.django_db
def test_whoop_refresh_asks_for_offline_again(case, expired, http):
    if case.provider != "whoop":
        pytest.skip("WHOOP only: its refresh must send scope=offline")
    http.add("POST", case.token_url, json=case.refreshed())

    credential_get_access_token(credential=expired)

    assert query_of("?" + http.calls[0].request.body)["scope"] == "offline"


@pytest.mark.django_db
def test_second_refresh_spends_the_rotated_token(case, expired, http):
    http.add("POST", case.token_url, json=case.refreshed())
    credential_get_access_token(credential=expired)
    http.add("POST", case.token_url, json={**case.refreshed(), "refresh_token": "third"})

    credential_get_access_token(credential=expired, force_refresh=True)

    second = query_of("?" + http.calls[-1].request.body)
    assert second["refresh_token"] == case.refreshed()["refresh_token"]
    assert Credential.objects.get(pk=expired.pk).refresh_token == "third"


@pytest.mark.django_db
def test_a_replayed_refresh_token_after_a_lost_race_is_not_a_dead_grant(
    case, expired, http, mailoutbox
):
    def another_worker_won(request):
        # The other worker's refresh was stored first; ours replays the spent token.
        winner = Credential.objects.get(pk=expired.pk)
        winner.access_token, winner.refresh_token = "winners-access", "winners-refresh"
        winner.expires_at = timezone.now() + timedelta(hours=1)
        winner.save()
        return 400, {"Content-Type": "application/json"}, json.dumps(case.invalid_grant())

    http.add_callback("POST", case.token_url, callback=another_worker_won)

    token = credential_get_access_token(credential=expired)

    stored = Credential.objects.get(pk=expired.pk)
    assert token == "winners-access"
    assert stored.status == Credential.Status.ACTIVE and stored.refresh_token == "winners-refresh"
    assert mailoutbox == []


@pytest.mark.django_db
def test_invalid_grant_with_nobody_else_refreshing_flags_the_grant(case, expired, http):
    http.add("POST", case.token_url, status=400, json=case.invalid_grant())

    with pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=expired)

    assert Credential.objects.get(pk=expired.pk).status == Credential.Status.NEEDS_REAUTH


@pytest.mark.django_db
def test_a_refresh_interrupted_by_a_dead_worker_is_flagged_in_honest_words(
    case, expired, http, django_capture_on_commit_callbacks, mailoutbox
):
    # A worker took the lease, the provider rotated the pair, the worker died before storing
    # it: the lease lapsed without being given back, and the refresh token we hold is spent.
    Credential.objects.filter(pk=expired.pk).update(
        refresh_lease_until=timezone.now() - timedelta(seconds=1)
    )
    http.add("POST", case.token_url, status=400, json=case.invalid_grant())

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NeedsReauthorization):
        credential_get_access_token(credential=expired)

    assert Credential.objects.get(pk=expired.pk).flag_cause == Credential.FlagCause.LOST
    name = PROVIDERS[case.provider].short_name
    words = f"We lost access to {name} while renewing it (nothing you did caused this)"
    assert words in mailoutbox[0].body
    assert "stopped accepting" not in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_callers_spend_the_refresh_token_once(case, expired, http):
    if db.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL")
    spent = []

    def token_endpoint(request):
        spent.append(query_of("?" + request.body)["refresh_token"])
        time.sleep(0.3)  # a slow provider widens the window for a race
        if len(spent) > 1:  # both providers kill the refresh token at its first use
            return 400, {"Content-Type": "application/json"}, json.dumps(case.invalid_grant())
        return 200, {"Content-Type": "application/json"}, json.dumps(case.refreshed())

    http.add_callback("POST", case.token_url, callback=token_endpoint)
    results, errors = at_once(lambda: credential_get_access_token(credential=expired))

    assert errors == []
    assert spent == ["old-refresh"]
    assert results == [case.refreshed()["access_token"]] * 8
    stored = Credential.objects.get(pk=expired.pk)
    assert stored.refresh_token == case.refreshed()["refresh_token"]
    assert stored.status == Credential.Status.ACTIVE
