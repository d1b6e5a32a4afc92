"""What support staff see of push: the last hint per connection, and 24 hours of counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import WebhookHint
from tests.conftest import page_text
from tests.connections.push.conftest import TinkKey, notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_staff(user_factory):
    from django.test import Client

    staff = Client()
    staff.force_login(user_factory("root@example.com", is_staff=True, is_superuser=True))
    return staff


def test_the_admin_connection_page_shows_the_last_hint_and_its_outcome(
    google_push, google_activities, as_staff
):
    google_push.post(notification())

    text = page_text(as_staff.get(f"/admin/connections/connection/{google_activities.pk}/change/"))

    assert "Last push" in text
    assert "Accepted: import started at once." in text


def test_a_connection_never_pushed_to_says_it_is_polled(google_activities, as_staff):
    text = page_text(as_staff.get(f"/admin/connections/connection/{google_activities.pk}/change/"))

    assert "No push received for this connection; it is polled." in text


def test_the_health_dashboard_counts_hints_by_outcome_and_refusals_by_reason(
    google_push, google_activities, as_staff
):
    google_push.post(notification())  # accepted
    google_push.post(notification(uid="stranger"))  # ignored
    google_push.post(notification(), key=TinkKey(0x1A2B3C4D))  # refused: bad signature
    google_push.post(notification(), authorization="Bearer guess")  # refused
    google_push.post(notification(), authorization="Bearer guess")  # refused
    WebhookHint.objects.create(
        provider="google_health",
        outcome="refused",
        reason="not_json",
        received_at=timezone.now() - timedelta(hours=25),  # too old to count
    )

    page = as_staff.get("/admin/health/")
    text = page_text(page)

    row = page.context["push"]["rows"][0]
    assert (row["name"], row["received"], row["accepted"], row["ignored"], row["refused"]) == (
        "Fitbit & Pixel Watch",
        5,
        1,
        1,
        3,
    )
    assert "Wrong Authorization header 2" in text
    assert "Signature does not match the body 1" in text
    assert "Body is not JSON" not in text


def test_the_push_log_keeps_a_week(google_push, google_activities):
    from connections.services.push import webhook_hints_prune

    google_push.post(notification())
    WebhookHint.objects.create(
        provider="google_health",
        outcome="refused",
        reason="bad_signature",
        received_at=timezone.now() - timedelta(days=8),
    )

    assert webhook_hints_prune() == 1
    assert WebhookHint.objects.count() == 1


def test_a_withings_network_that_is_not_a_cidr_stops_the_portal(settings):
    from connections.checks import push_settings_are_usable

    settings.WITHINGS_NOTIFY_ALLOWED_NETWORKS = ["89.30.121.0/24", "withings"]

    (error,) = push_settings_are_usable(None)
    assert error.id == "connections.E006" and "'withings'" in error.msg


def test_the_google_secret_must_be_a_whole_authorization_header(settings):
    from connections.checks import push_settings_are_usable

    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = "9f3c-no-scheme"

    assert [e.id for e in push_settings_are_usable(None)] == ["connections.E007"]


@pytest.mark.parametrize("name", ["UNSIGNED_PUSH_GAP_SECONDS", "UNSIGNED_PUSH_RUNS_PER_MINUTE"])
def test_a_negative_limit_on_unsigned_push_stops_the_portal(settings, name):
    from connections.checks import push_settings_are_usable

    setattr(settings, name, -1)

    (error,) = push_settings_are_usable(None)
    assert error.id == "connections.E010" and name in error.msg
