"""Remove, reset and account deletion finish for the person at once, whatever the provider
does; the provider is asked to revoke in the background until it answers (issue 9)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from django.contrib.auth import get_user_model
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, Revocation
from connections.services.revocations import (
    INLINE_TIMEOUT,
    MAX_ATTEMPTS,
    revocations_attempt_due,
)
from tests.conftest import GOOGLE, PASSWORD, SteppingClock, page_text, query_of

pytestmark = pytest.mark.django_db
SLOW = requests.exceptions.ReadTimeout("the provider took 25 s")


@pytest.fixture
def sleep(logged_in, user, google_connect):
    google_connect(logged_in, feeds=["sleep"])
    return Connection.objects.get(user=user, feed="sleep")


def _due_now() -> None:
    Revocation.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_remove_finishes_at_once_when_the_provider_is_slow(sleep, logged_in, http):
    http.add("POST", GOOGLE["revoke_url"], body=SLOW)

    response = logged_in.post(f"/connect/{sleep.pk}/remove/", follow=True)

    assert "we keep asking in the background" in page_text(response)
    credential = Credential.objects.get()
    assert credential.status == Credential.Status.REVOKED
    assert credential.access_token == credential.refresh_token == ""
    assert http.calls[-1].request.req_kwargs["timeout"] == INLINE_TIMEOUT
    assert Revocation.objects.get().status == Revocation.Status.PENDING


def test_a_pending_revocation_is_retried_in_the_background_and_recorded(sleep, logged_in, http):
    http.add("POST", GOOGLE["revoke_url"], body=SLOW)
    logged_in.post(f"/connect/{sleep.pk}/remove/")
    http.add("POST", GOOGLE["revoke_url"], status=200)
    _due_now()

    counts = revocations_attempt_due()

    assert counts == {"revoked": 1, "gave_up": 0, "later": 0, "left_for_next_run": 0}
    assert query_of("?" + http.calls[-1].request.body) == {"token": "1//0g-sample-refresh-token"}
    revocation = Revocation.objects.get()
    assert revocation.status == Revocation.Status.DONE
    assert revocation.access_token == revocation.refresh_token == ""
    event = sleep.events.get(kind=ConnectionEvent.Kind.REVOKED)
    assert event.message == "Google confirmed that Tendon's access is revoked."


def test_the_background_pass_stops_within_its_time_budget_and_leaves_the_rest(
    sleep, logged_in, http, settings, monkeypatch
):
    from connections.services import revocations

    http.add("POST", GOOGLE["revoke_url"], body=SLOW)
    logged_in.post(f"/connect/{sleep.pk}/remove/")
    for number in (2, 3):
        Revocation.objects.create(
            provider="google_health",
            account_uid=f"other-{number}",
            reason="removed",
            refresh_token=f"refresh-{number}",
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )
    Revocation.objects.filter(account_uid=sleep.account_uid).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    http.add("POST", GOOGLE["revoke_url"], status=200)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 120}  # a budget of 40 s
    monkeypatch.setattr(revocations.time, "monotonic", SteppingClock(30))  # 25 s providers

    counts = revocations_attempt_due()

    assert counts == {"revoked": 1, "gave_up": 0, "later": 0, "left_for_next_run": 2}
    left = Revocation.objects.filter(status=Revocation.Status.PENDING)
    assert sorted(left.values_list("account_uid", "attempts")) == [("other-2", 0), ("other-3", 0)]


def test_a_revocation_that_never_succeeds_gives_up_and_says_so(sleep, logged_in, http):
    http.add("POST", GOOGLE["revoke_url"], status=503)
    logged_in.post(f"/connect/{sleep.pk}/remove/")
    Revocation.objects.update(attempts=MAX_ATTEMPTS - 1)
    _due_now()

    revocations_attempt_due()

    revocation = Revocation.objects.get()
    assert revocation.status == Revocation.Status.FAILED
    assert revocation.access_token == revocation.refresh_token == ""
    assert "remove Tendon in your Google account settings" in (
        sleep.events.get(kind=ConnectionEvent.Kind.REVOCATION_FAILED).message
    )


def test_connecting_again_cancels_a_pending_revocation_of_that_account(
    sleep, logged_in, http, google_connect
):
    http.add("POST", GOOGLE["revoke_url"], body=SLOW)
    logged_in.post(f"/connect/{sleep.pk}/remove/")
    google_connect(logged_in, feeds=["sleep"])
    calls = len(http.calls)
    _due_now()

    revocations_attempt_due()

    assert Revocation.objects.get().status == Revocation.Status.CANCELLED
    assert len(http.calls) == calls  # the new grant was not revoked
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_deleting_an_account_never_waits_on_a_slow_provider(sleep, logged_in, user, http):
    http.add("POST", GOOGLE["revoke_url"], body=SLOW)

    response = logged_in.post("/accounts/delete/", {"password": PASSWORD}, follow=True)

    assert "Your account and everything imported into it are deleted." in page_text(response)
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    revocation = Revocation.objects.get()
    assert (revocation.status, revocation.user_id) == (Revocation.Status.PENDING, None)
    http.add("POST", GOOGLE["revoke_url"], status=200)
    _due_now()
    assert revocations_attempt_due()["revoked"] == 1


def test_deleting_an_account_is_confirmed_by_email(sleep, logged_in, user, http, mailoutbox):
    http.add("POST", GOOGLE["revoke_url"], status=200)

    logged_in.post("/accounts/delete/", {"password": PASSWORD})

    (message,) = [m for m in mailoutbox if m.to == [user.email]]
    assert message.subject == "Your Tendon account is deleted"
    assert "everything imported into it" in message.body


def test_support_sees_pending_revocations_without_their_tokens(sleep, logged_in, http, client):
    http.add("POST", GOOGLE["revoke_url"], body=SLOW)
    logged_in.post(f"/connect/{sleep.pk}/remove/")
    admin = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)

    pages = [
        client.get("/admin/connections/revocation/").content.decode(),
        client.get(
            f"/admin/connections/revocation/{Revocation.objects.get().pk}/change/"
        ).content.decode(),
    ]

    assert "Waiting for the provider" in pages[0]
    assert "1//0g-sample-refresh-token" not in "".join(pages)
    assert "ya29" not in "".join(pages)


@pytest.fixture
def hung(settings, monkeypatch, hanging_provider, google_app, withings_app, oura_app):
    """Google, Withings and Oura all hang; a person may wait one second on them in all."""
    from connections.services import revocations

    everywhere = dict.fromkeys(("authorize_url", "token_url", "revoke_url", "api_url"))
    endpoints = {key: hanging_provider.url for key in everywhere}
    settings.PROVIDER_ENDPOINTS = {
        **settings.PROVIDER_ENDPOINTS,
        **{provider: endpoints for provider in ("google_health", "withings", "oura")},
    }
    monkeypatch.setattr(revocations, "INLINE_BUDGET", 1.0)
    return hanging_provider


def _grant(person, provider: str, *, push_subscribed=()) -> Credential:
    """A live grant whose revocation takes more than one request when push_subscribed."""
    from connections.providers import PROVIDERS

    credential = Credential.objects.create(
        user=person,
        provider=provider,
        account_uid=f"{provider}-1",
        account_label=f"{provider}@example.com",
        access_token=f"{provider}-access",
        refresh_token=f"{provider}-refresh",
        expires_at=timezone.now() + timedelta(hours=1),
        push_subscribed=list(push_subscribed),
    )
    Connection.objects.create(
        user=person,
        provider=provider,
        feed=next(iter(PROVIDERS[provider].feeds)),
        account_uid=credential.account_uid,
        credential=credential,
    )
    return credential


def test_remove_ends_within_the_budget_however_many_requests_the_revocation_takes(
    logged_in, user, hung
):
    from connections.services.revocations import INLINE_BUDGET

    credential = _grant(user, "withings", push_subscribed=[1, 44, 46])  # 3 unsubscribes + 2
    connection = credential.connections.get()

    started = time.monotonic()
    response = logged_in.post(f"/connect/{connection.pk}/remove/", follow=True)
    elapsed = time.monotonic() - started

    assert elapsed < INLINE_BUDGET + 3
    assert hung.accepted == 1  # the first request took the budget; no other was started
    assert "Withings is removed. We could not reach Withings to revoke our access yet" in (
        page_text(response)
    )
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED
    assert credential.access_token == credential.refresh_token == ""
    revocation = Revocation.objects.get()
    assert (revocation.status, revocation.attempts) == (Revocation.Status.PENDING, 1)
    assert revocation.push_subscribed == [1, 44, 46]  # still to end, in the background
    assert revocation.last_error == "Withings was not asked: the time allowed for it ran out."


def test_deleting_an_account_ends_within_the_budget_and_leaves_the_rest_to_the_background(
    logged_in, user, hung, client
):
    from connections.services.revocations import INLINE_BUDGET, RETRY_BASE

    _grant(user, "withings", push_subscribed=[1, 44])
    _grant(user, "oura")  # revoke, and on a refusal renew then revoke again
    _grant(user, "google_health")

    started = time.monotonic()
    response = logged_in.post("/accounts/delete/", {"password": PASSWORD}, follow=True)
    elapsed = time.monotonic() - started

    assert elapsed < INLINE_BUDGET + 3
    assert "Your account and everything imported into it are deleted." in page_text(response)
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    pending = Revocation.objects.filter(status=Revocation.Status.PENDING, user=None)
    assert sorted(pending.values_list("provider", "attempts")) == [
        ("google_health", 0),
        ("oura", 0),
        ("withings", 1),
    ]
    due_by = timezone.now() + RETRY_BASE
    assert all(r.next_attempt_at <= due_by for r in pending)  # the background pass takes them
    staff = get_user_model().objects.create_superuser(email="root@example.com", password="x")
    client.force_login(staff)
    listing = client.get("/admin/connections/revocation/?status=pending")
    assert listing.context["cl"].result_count == 3
    assert "withings@example.com" in page_text(listing)


def test_the_background_pass_starts_no_request_that_could_outlive_its_task(
    user, http, settings, monkeypatch, withings_app
):
    from connections.services import revocations
    from tests.conftest import WITHINGS

    _grant(user, "withings", push_subscribed=[1, 44, 46])  # 3 unsubscribes, a nonce, a revoke
    Credential.objects.update(status=Credential.Status.REVOKED, access_token="", refresh_token="")
    Revocation.objects.create(
        provider="withings",
        account_uid="withings-1",
        user=user,
        reason="removed",
        push_subscribed=[1, 44, 46],
        access_token="withings-access",
        refresh_token="withings-refresh",
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    http.add("POST", f"{WITHINGS['api_url']}/notify", json={"status": 0, "body": {}})
    http.add(
        "POST", f"{WITHINGS['api_url']}/v2/signature", json={"status": 0, "body": {"nonce": "n"}}
    )
    http.add("POST", WITHINGS["revoke_url"], json={"status": 0, "body": {}})
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 120}  # a budget of 40 s
    monkeypatch.setattr(revocations.time, "monotonic", SteppingClock(30))  # 25 s requests

    counts = revocations_attempt_due()

    assert counts == {"revoked": 0, "gave_up": 0, "later": 1, "left_for_next_run": 0}
    assert len(http.calls) < 5
    revocation = Revocation.objects.get()
    assert revocation.status == Revocation.Status.PENDING
    assert revocation.last_error == "Withings was not asked: the time allowed for it ran out."
