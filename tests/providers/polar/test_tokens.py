"""Polar gives no refresh token: the door never refreshes, a 401 ends the grant, and the person
is told once, ahead of time, that the access ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connections.models import ConnectionEvent, Credential, ImportRun
from connections.services.expiry import credentials_warn_expiring
from connections.services.tokens import (
    CannotRenew,
    credential_get_access_token,
    credential_refresh_now,
    credentials_refresh_expiring,
)
from tests.concurrency import at_once
from tests.conftest import POLAR, page_text, snapshot
from tests.providers.polar.conftest import API, USERS

pytestmark = pytest.mark.django_db
TOKEN = "2YotnFZFEjr1zCsicMWpAA"


def _credential(user) -> Credential:
    return Credential.objects.get(user=user, provider="polar")


def _grant(user) -> tuple:
    credential = _credential(user)
    return credential.status, credential.access_token, credential.expires_at, credential.scopes


def _expiring(user, *, days: int) -> Credential:
    credential = _credential(user)
    credential.expires_at = timezone.now() + timedelta(days=days)
    credential.last_refreshed_at = timezone.now() - timedelta(days=300)
    credential.save()
    return credential


def test_the_token_door_uses_polars_token_as_it_is_even_past_its_date(user, polar_connected, http):
    credential = _expiring(user, days=-3)
    calls = len(http.calls)

    assert credential_get_access_token(credential=credential) == TOKEN
    assert len(http.calls) == calls  # nothing asked of Polar's token endpoint


def test_the_refresher_leaves_polar_grants_alone(user, polar_connected, http):
    _expiring(user, days=0)
    calls = len(http.calls)

    assert credentials_refresh_expiring()["refreshed"] == 0
    assert len(http.calls) == calls


def test_a_401_ends_the_grant_at_once_without_a_refresh(
    user, polar_connected, http, run_import, mailoutbox, django_capture_on_commit_callbacks
):
    http.add("GET", API + "/v3/exercises", status=401)

    with django_capture_on_commit_callbacks(execute=True):
        run = run_import(polar_connected["activities"])

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "needs_reauth")
    credential = _credential(user)
    assert credential.status == Credential.Status.NEEDS_REAUTH
    assert len([c for c in http.calls if c.request.url == API + "/v3/exercises"]) == 1
    assert not [c for c in http.calls[2:] if c.request.url == POLAR["token_url"]]
    assert [m.subject for m in mailoutbox] == ["Reconnect Polar to keep your data flowing"]
    assert "no refresh token" in ConnectionEvent.objects.filter(kind="flagged").first().detail


def test_the_next_401_does_not_tell_the_person_again(
    user, polar_connected, http, run_import, mailoutbox, django_capture_on_commit_callbacks
):
    http.add("GET", API + "/v3/exercises", status=401)
    http.add("GET", USERS + "/sleep", status=401)
    with django_capture_on_commit_callbacks(execute=True):
        run_import(polar_connected["activities"])
        run_import(polar_connected["sleep"])

    assert len(mailoutbox) == 1
    assert ConnectionEvent.objects.filter(kind="flagged").count() == len(polar_connected)


def test_consents_withdrawn_at_polar_stop_imports_in_polars_words(
    logged_in, user, polar_connected, http, run_import
):
    http.add("GET", USERS + "/sleep", status=403)

    run_import(polar_connected["sleep"])

    assert _credential(user).flag_cause == Credential.FlagCause.PERSON
    page = page_text(logged_in.get(f"/connect/{polar_connected['sleep'].pk}/"))
    assert "Polar says you have not accepted all of its mandatory consents" in page


def test_support_cannot_renew_what_polar_never_renews(user, polar_connected, staff_user):
    with pytest.raises(CannotRenew):
        credential_refresh_now(credential=_credential(user), actor=staff_user)

    assert _credential(user).status == Credential.Status.ACTIVE
    event = ConnectionEvent.objects.filter(kind="refresh_failed").first()
    assert "issues no refresh token, so there is nothing to renew" in event.message


@pytest.fixture
def staff_user(user_factory):
    return user_factory("support@example.com", is_staff=True)


def test_the_person_is_told_once_a_fortnight_before_the_access_ends(
    logged_in, user, polar_connected, mailoutbox, django_capture_on_commit_callbacks
):
    _expiring(user, days=10)

    with django_capture_on_commit_callbacks(execute=True):
        assert credentials_warn_expiring() == 1
        assert credentials_warn_expiring() == 0

    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("Reconnect Polar before ")
    assert "gives Tendon no way to renew it" in mailoutbox[0].body
    assert "/connect/" in mailoutbox[0].body
    notice = page_text(logged_in.get("/data/"))
    assert "Polar's permission for Tendon ends on" in notice and "Reconnect Polar" in notice
    assert ConnectionEvent.objects.filter(kind="access_ending").count() == len(polar_connected)
    assert _credential(user).status == Credential.Status.ACTIVE  # nothing else changes


def test_no_notice_while_the_end_is_far(logged_in, user, polar_connected, mailoutbox):
    _expiring(user, days=30)

    assert credentials_warn_expiring() == 0

    assert mailoutbox == []
    assert "permission for Tendon ends on" not in page_text(logged_in.get("/connect/"))


def test_reconnecting_ends_the_notice_and_the_new_grant_gets_its_own(
    logged_in, user, polar_connected, polar_callback, mailoutbox
):
    _expiring(user, days=10)
    credentials_warn_expiring()

    polar_callback(logged_in, registration=409)

    credential = _credential(user)
    assert credential.expiry_notified_at is None
    assert credential.expires_at > timezone.now() + timedelta(days=300)
    assert "permission for Tendon ends on" not in page_text(logged_in.get("/connect/"))


def test_a_person_who_wants_no_mail_still_sees_the_notice(
    logged_in, user, polar_connected, mailoutbox, django_capture_on_commit_callbacks
):
    user.notify_by_email = False
    user.save()
    _expiring(user, days=3)
    before, grant = snapshot(), _grant(user)

    with django_capture_on_commit_callbacks(execute=True):
        credentials_warn_expiring()

    assert mailoutbox == []
    assert "Polar's permission for Tendon ends on" in page_text(logged_in.get("/connect/"))
    # The grant and its connections are as they were (the notice itself is noted on the grant).
    assert snapshot()["connections.Connection"] == before["connections.Connection"]
    assert _grant(user) == grant


def test_reconnecting_after_the_grant_ended_brings_imports_back(
    logged_in, user, polar_connected, polar_callback, polar_data, http, run_import
):
    http.add("GET", API + "/v3/exercises", status=401)
    run_import(polar_connected["activities"])
    assert _credential(user).status == Credential.Status.NEEDS_REAUTH

    response = polar_callback(logged_in, registration=409)
    http.remove("GET", API + "/v3/exercises")
    polar_data()
    run = run_import(polar_connected["activities"])

    assert "Polar is reconnected." in page_text(logged_in.get(response["Location"]))
    assert _credential(user).status == Credential.Status.ACTIVE
    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 2)


@pytest.mark.django_db(transaction=True)
def test_eight_warners_at_once_tell_the_person_once(user, polar_connected, mailoutbox):
    if db.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL")
    _expiring(user, days=10)
    announced, errors = at_once(lambda: credentials_warn_expiring())

    assert errors == []
    assert sorted(announced) == [0] * 7 + [1]
    assert [m.subject[: len("Reconnect Polar before ")] for m in mailoutbox] == [
        "Reconnect Polar before "
    ]
    assert ConnectionEvent.objects.filter(kind="access_ending").count() == len(polar_connected)
    assert _credential(user).status == Credential.Status.ACTIVE
