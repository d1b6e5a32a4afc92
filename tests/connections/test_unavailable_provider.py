"""A provider switched off in settings leaves its connections visible, and they can still be
disabled and removed; nothing breaks (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, Revocation
from tests.conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def gone(user, logged_in) -> Connection:
    """A sleep feed of a provider this Tendon no longer has in its registry."""
    credential = Credential.objects.create(
        user=user,
        provider="retired_watch",
        account_uid="rw-1",
        account_label="alice@retired.example",
        access_token="access",
        refresh_token="refresh",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return Connection.objects.create(
        user=user, provider="retired_watch", feed="sleep", account_uid="rw-1", credential=credential
    )


def test_its_card_stays_on_connect_and_says_why(gone, logged_in):
    response = logged_in.get("/connect/")

    page = page_text(response)
    assert response.status_code == 200
    assert "Retired Watch (not available on this Tendon)" in page
    assert "Not available on this Tendon" in page
    assert f'href="/connect/{gone.pk}/remove/"' in response.content.decode()


def test_its_connection_page_opens(gone, logged_in):
    response = logged_in.get(f"/connect/{gone.pk}/")

    assert response.status_code == 200
    assert "This Tendon no longer offers Retired Watch" in page_text(response)


def test_it_can_be_disabled(gone, logged_in):
    response = logged_in.post(f"/connect/{gone.pk}/disable/", follow=True)

    assert response.status_code == 200
    assert "Sleep from Retired Watch is switched off" in page_text(response)
    assert not Connection.objects.get(pk=gone.pk).enabled


def test_it_can_be_removed_and_the_tokens_are_deleted(gone, logged_in):
    response = logged_in.post(f"/connect/{gone.pk}/remove/", follow=True)

    assert response.status_code == 200
    credential = Credential.objects.get()
    assert credential.status == Credential.Status.REVOKED
    assert credential.access_token == credential.refresh_token == ""
    assert Revocation.objects.get().status == Revocation.Status.FAILED  # nobody to ask
    assert gone.events.filter(kind=ConnectionEvent.Kind.REVOCATION_FAILED).exists()


@pytest.mark.parametrize("action", ["enable", "reconnect", "sync"])
def test_it_cannot_be_enabled_reconnected_or_synced(gone, logged_in, action):
    Connection.objects.filter(pk=gone.pk).update(enabled=action != "enable")

    response = logged_in.post(f"/connect/{gone.pk}/{action}/", follow=True)

    assert response.status_code == 200
    assert "not available on this Tendon" in page_text(response)


def test_its_providers_page_opens_and_offers_disable(gone, logged_in):
    response = logged_in.get("/connect/retired_watch/")

    page = page_text(response)
    assert response.status_code == 200
    assert "Not available on this Tendon" in page
    assert f'action="/connect/{gone.pk}/disable/"' in response.content.decode()
    assert "Sync now" not in page and "Add feeds" not in page


@pytest.fixture
def as_staff(client, user_factory):
    client.force_login(user_factory("root@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("action", ["refresh_token_now", "enable"])
def test_a_staff_action_that_needs_the_provider_says_nothing_was_done_and_why(
    gone, as_staff, action
):
    from tests.conftest import snapshot

    Connection.objects.filter(pk=gone.pk).update(enabled=False)
    before = snapshot()

    response = as_staff.post(
        "/admin/connections/connection/",
        {"action": action, "_selected_action": [gone.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "nothing done, Retired Watch is not available on this Tendon" in page_text(response)
    assert snapshot() == before and not gone.events.exists()
    assert Credential.objects.get().refresh_lease_until is None


@pytest.mark.parametrize(
    ("action", "confirmation"),
    [
        ("import_now", {}),
        ("reset_cursor", {"apply": "1", "since": "2026-11-01"}),
        ("flag_for_reauthorization", {"apply": "1", "reason": "we moved"}),
        ("reset_connection", {"apply": "1", "reason": "we moved"}),
    ],
)
def test_support_cannot_import_backfill_flag_or_reset_what_the_person_cannot_reconnect(
    gone, as_staff, mailoutbox, action, confirmation
):
    from tests.conftest import snapshot

    before = snapshot()

    response = as_staff.post(
        "/admin/connections/connection/",
        {"action": action, "_selected_action": [gone.pk], **confirmation},
        follow=True,
    )

    assert response.status_code == 200
    assert "nothing done, Retired Watch is not available on this Tendon" in page_text(response)
    assert snapshot() == before and not gone.events.exists()
    assert mailoutbox == []  # nobody is asked to reconnect to what they cannot reach


def test_the_credential_admins_refresh_says_nothing_was_done_and_why(gone, as_staff):
    response = as_staff.post(
        "/admin/connections/credential/",
        {"action": "refresh_token_now", "_selected_action": [gone.credential_id]},
        follow=True,
    )

    assert response.status_code == 200
    assert "nothing done, Retired Watch is not available on this Tendon" in page_text(response)
    assert not gone.events.exists()


def test_the_token_refresher_passes_it_by_and_renews_the_grants_after_it(
    gone, user_factory, google_app, http
):
    from tests.conftest import GOOGLE

    Credential.objects.filter(pk=gone.credential_id).update(
        expires_at=timezone.now() + timedelta(minutes=2),
        last_refreshed_at=timezone.now() - timedelta(hours=2),
    )
    later = Credential.objects.create(
        user=user_factory("bob@example.com"),
        provider="google_health",
        account_uid="g-1",
        access_token="old-access",
        refresh_token="old-refresh",
        expires_at=timezone.now() + timedelta(minutes=2),
        last_refreshed_at=timezone.now() - timedelta(hours=2),
    )
    http.add(
        "POST",
        GOOGLE["token_url"],
        json={"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 3600},
    )

    from connections.services.tokens import credentials_refresh_expiring

    counts = credentials_refresh_expiring()

    assert counts == {"refreshed": 1, "flagged": 0, "failed": 0, "left_for_next_run": 0}
    assert Credential.objects.get(pk=later.pk).access_token == "new-access"
    retired = Credential.objects.get(pk=gone.credential_id)
    assert (retired.status, retired.access_token) == (Credential.Status.ACTIVE, "access")
    assert retired.refresh_lease_until is None


def test_a_due_push_subscription_waits_and_says_why_rather_than_failing_its_task(gone):
    from connections.services.subscriptions import credential_push_subscribe

    Credential.objects.filter(pk=gone.credential_id).update(push_sync_due_at=timezone.now())

    assert credential_push_subscribe(credential_id=gone.credential_id) is False

    credential = Credential.objects.get()
    assert credential.push_sync_error == "Retired Watch is not available on this Tendon."
    assert (credential.status, credential.refresh_lease_until) == (Credential.Status.ACTIVE, None)
