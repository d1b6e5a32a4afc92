"""Oura's webhook subscriptions: `manage.py oura_webhooks` and the upkeep that renews them."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from connections.tasks import provider_upkeep
from tests.conftest import OURA, fixture_json

pytestmark = pytest.mark.django_db
SUBSCRIPTIONS = OURA["api_url"] + "/v2/webhook/subscription"
CALLBACK = "https://tendon.example/webhooks/oura/"


@pytest.fixture
def set_up(settings, oura_app):
    settings.SITE_URL = "https://tendon.example"
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = "oura-verification-token"


def _held(*expiring_in: timedelta) -> list[dict]:
    """Subscriptions Oura holds for our URL, expiring after these delays."""
    listed = fixture_json("oura", "webhook_subscription_list")
    return [
        {**listed[i % 2], "id": f"sub-{i}", "expiration_time": (timezone.now() + d).isoformat()}
        for i, d in enumerate(expiring_in)
    ]


def _run(*args, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("oura_webhooks", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def test_create_subscribes_to_every_event_the_feeds_read_with_the_app_credentials(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=[])
    http.add(
        "POST", SUBSCRIPTIONS, status=201, json=fixture_json("oura", "webhook_subscription_created")
    )

    output = _run("create")

    created = [c.request for c in http.calls if c.request.method == "POST"]
    bodies = [json.loads(r.body) for r in created]
    assert len(created) == 15  # create, update, delete × five data types
    assert {(b["event_type"], b["data_type"]) for b in bodies} >= {
        ("create", "sleep"),
        ("delete", "workout"),
        ("update", "daily_activity"),
    }
    assert {b["callback_url"] for b in bodies} == {CALLBACK}
    assert {b["verification_token"] for b in bodies} == {"oura-verification-token"}
    assert all(r.headers["x-client-id"] == "oura-client" for r in created)
    assert all(r.headers["x-client-secret"] == "test-oura-client-secret" for r in created)
    assert "Authorization" not in created[0].headers
    assert "Created 15 subscription(s); 0 were there already." in output


def test_create_again_creates_only_what_is_missing(set_up, http):
    listed = fixture_json("oura", "webhook_subscription_list")  # create/sleep, delete/workout
    http.add("GET", SUBSCRIPTIONS, json=listed)
    http.add(
        "POST", SUBSCRIPTIONS, status=201, json=fixture_json("oura", "webhook_subscription_created")
    )

    output = _run("create")

    assert len([c for c in http.calls if c.request.method == "POST"]) == 13
    assert "Created 13 subscription(s); 2 were there already." in output


def test_create_without_a_verification_token_says_what_to_set(set_up, settings, http):
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = ""

    with pytest.raises(CommandError, match="Set OURA_WEBHOOK_VERIFICATION_TOKEN"):
        _run("create")
    assert len(http.calls) == 0


def test_list_shows_each_subscription_with_its_expiry(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=fixture_json("oura", "webhook_subscription_list"))

    output = _run("list")

    assert "create sleep" in " ".join(output.split())
    assert "expires 2026-12-02T12:00:00+00:00" in output


def test_renew_renews_only_what_expires_soon(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=_held(timedelta(days=1), timedelta(days=20)))
    http.add(
        "PUT",
        SUBSCRIPTIONS + "/renew/sub-0",
        json=fixture_json("oura", "webhook_subscription_renewed"),
    )

    output = _run("renew")

    assert [c.request.url for c in http.calls if c.request.method == "PUT"] == [
        SUBSCRIPTIONS + "/renew/sub-0"
    ]
    assert "Renewed 1 of 2 subscription(s)." in output


def test_the_upkeep_schedule_renews_subscriptions_before_they_expire(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=_held(timedelta(hours=30), timedelta(days=20)))
    http.add(
        "PUT",
        SUBSCRIPTIONS + "/renew/sub-0",
        json=fixture_json("oura", "webhook_subscription_renewed"),
    )

    outcome = provider_upkeep()

    assert outcome["oura"] == {"held": 2, "renewed": 1, "refused": 0, "missing": 13}
    assert [c.request.method for c in http.calls] == ["GET", "PUT"]


def test_one_subscription_oura_refuses_to_renew_leaves_the_others_renewed(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=_held(timedelta(hours=5), timedelta(hours=6)))
    http.add(
        "PUT", SUBSCRIPTIONS + "/renew/sub-0", status=403, json={"detail": "Webhook not found"}
    )
    http.add(
        "PUT",
        SUBSCRIPTIONS + "/renew/sub-1",
        json=fixture_json("oura", "webhook_subscription_renewed"),
    )

    outcome = provider_upkeep()

    assert outcome["oura"] == {"held": 2, "renewed": 1, "refused": 1, "missing": 13}
    assert [c.request.url for c in http.calls if c.request.method == "PUT"] == [
        SUBSCRIPTIONS + "/renew/sub-0",
        SUBSCRIPTIONS + "/renew/sub-1",
    ]


def test_renew_by_hand_says_which_oura_refused_and_what_to_run(set_up, http):
    http.add("GET", SUBSCRIPTIONS, json=_held(timedelta(hours=5), timedelta(hours=6)))
    http.add("PUT", SUBSCRIPTIONS + "/renew/sub-0", status=403, json={"detail": "Forbidden"})
    http.add(
        "PUT",
        SUBSCRIPTIONS + "/renew/sub-1",
        json=fixture_json("oura", "webhook_subscription_renewed"),
    )
    errors = io.StringIO()

    output = _run("renew", stderr=errors)

    assert "Renewed 1 of 2 subscription(s)." in output
    assert "Oura refused to renew 1 (see the log)" in errors.getvalue()
    assert "`oura_webhooks create` makes the rest" in errors.getvalue()


def test_an_expiry_without_a_time_zone_is_read_as_utc_and_renewed_in_time(set_up, http):
    soon = (timezone.now() + timedelta(hours=5)).replace(tzinfo=None).isoformat()
    http.add("GET", SUBSCRIPTIONS, json=[{**_held(timedelta(0))[0], "expiration_time": soon}])
    http.add(
        "PUT",
        SUBSCRIPTIONS + "/renew/sub-0",
        json=fixture_json("oura", "webhook_subscription_renewed"),
    )

    outcome = provider_upkeep()

    assert outcome["oura"] == {"held": 1, "renewed": 1, "refused": 0, "missing": 14}


def test_the_upkeep_survives_oura_failing(set_up, http):
    http.add("GET", SUBSCRIPTIONS, status=503)

    outcome = provider_upkeep()

    assert outcome["oura"].startswith("failed: ")


def test_the_upkeep_leaves_oura_alone_when_push_is_not_set_up(set_up, settings, http):
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = ""

    assert provider_upkeep()["oura"] == {"held": 0, "renewed": 0, "refused": 0, "missing": 0}
    assert len(http.calls) == 0


def test_the_upkeep_skips_a_provider_that_is_not_offered(http):
    assert provider_upkeep()["oura"] == "not offered"
