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
