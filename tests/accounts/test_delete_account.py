"""Deleting an account: the grants are revoked at the providers and every record goes with it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from connections.models import Connection, Credential
from records.models import SleepSession
from tests.conftest import GOOGLE, PASSWORD, page_text, query_of, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(logged_in, user, google_connect):
    """The user with Google connected and some sleep imported."""
    google_connect(logged_in, feeds=["sleep"])
    SleepSession.objects.create(
        user=user,
        provider="google_health",
        account_uid="g",
        key="night-1",
        start="2026-11-20T22:00:00Z",
        end="2026-11-21T06:00:00Z",
    )
    return logged_in


def test_deleting_the_account_revokes_the_grant_and_deletes_every_record(imported, user, http):
    http.add("POST", GOOGLE["revoke_url"], status=200)

    response = imported.post("/accounts/delete/", {"password": PASSWORD}, follow=True)

    assert "Your account and everything imported into it are deleted." in page_text(response)
    assert query_of("?" + http.calls[-1].request.body) == {"token": "1//0g-sample-refresh-token"}
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not SleepSession.objects.exists()
    assert not Credential.objects.exists() and not Connection.objects.exists()
    assert imported.get("/connect/").status_code == 302  # signed out


def test_an_unreachable_provider_does_not_stop_the_deletion(imported, user, http):
    http.add("POST", GOOGLE["revoke_url"], status=503)

    imported.post("/accounts/delete/", {"password": PASSWORD})

    assert not get_user_model().objects.filter(pk=user.pk).exists()


def test_a_wrong_password_deletes_nothing(imported, user):
    before = snapshot()

    response = imported.post("/accounts/delete/", {"password": "not my password"})

    assert response.status_code == 400
    assert "That password is not right. Nothing was deleted." in page_text(response)
    assert snapshot() == before
    assert SleepSession.objects.count() == 1


def test_opening_the_page_only_asks(imported):
    before = snapshot()

    page = page_text(imported.get("/accounts/delete/"))

    assert "every record imported into it" in page
    assert snapshot() == before


def test_deleting_needs_a_login(client, user):
    response = client.post("/accounts/delete/", {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_deleting_without_the_csrf_token_deletes_nothing(imported, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    before = snapshot()

    response = strict.post("/accounts/delete/", {"password": PASSWORD})

    assert response.status_code == 403
    assert "That form has expired" in page_text(response)
    assert "Nothing was changed." in page_text(response)
    assert snapshot() == before
    assert SleepSession.objects.count() == 1
