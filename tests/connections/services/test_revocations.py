"""Remove, reset and account deletion finish for the person at once, whatever the provider
does; the provider is asked to revoke in the background until it answers (issue 9)."""

from __future__ import annotations

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
