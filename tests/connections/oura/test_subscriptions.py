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
NOTHING = {"held": 0, "renewed": 0, "refused": 0, "missing": 0, "created": 0, "failed": 0}


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


def _creates(http, *, status: int = 201) -> None:
    """Oura answers every subscription created with the model (201), or refuses them all."""
    created = fixture_json("oura", "webhook_subscription_created")
    http.add("POST", SUBSCRIPTIONS, status=status, json=created if status == 201 else {})


def _created(http) -> set[tuple[str, str]]:
    """The (event type, data type) of every subscription Tendon asked Oura to create."""
    bodies = [json.loads(c.request.body) for c in http.calls if c.request.method == "POST"]
    return {(b["event_type"], b["data_type"]) for b in bodies}


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
    _creates(http)

    outcome = provider_upkeep()

    assert outcome["oura"] == {**NOTHING, "held": 2, "renewed": 1, "missing": 13, "created": 13}
    assert [c.request.method for c in http.calls][:2] == ["GET", "PUT"]


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

    _creates(http)

    outcome = provider_upkeep()

    assert outcome["oura"] == {
        **NOTHING,
        **{"held": 2, "renewed": 1, "refused": 1, "missing": 14, "created": 14},
    }
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

    _creates(http)

    outcome = provider_upkeep()

    assert outcome["oura"] == {**NOTHING, "held": 1, "renewed": 1, "missing": 14, "created": 14}


def test_the_upkeep_survives_oura_failing(set_up, http):
    http.add("GET", SUBSCRIPTIONS, status=503)

    outcome = provider_upkeep()

    assert outcome["oura"].startswith("failed: ")


def test_the_upkeep_leaves_oura_alone_when_push_is_not_set_up(set_up, settings, http):
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = ""

    assert provider_upkeep()["oura"] == NOTHING
    assert len(http.calls) == 0


def test_the_upkeep_skips_a_provider_that_is_not_offered(http):
    assert provider_upkeep()["oura"] == "not offered"


def test_the_upkeep_creates_again_every_subscription_oura_does_not_hold(set_up, http, caplog):
    listed = fixture_json("oura", "webhook_subscription_list")  # create/sleep, delete/workout
    http.add("GET", SUBSCRIPTIONS, json=_held(timedelta(days=20), timedelta(days=20)))
    _creates(http)

    with caplog.at_level("INFO"):
        outcome = provider_upkeep()

    assert outcome["oura"] == {**NOTHING, "held": 2, "missing": 13, "created": 13}
    assert len(_created(http)) == 13
    assert not _created(http) & {(s["event_type"], s["data_type"]) for s in listed}
    posted = [c.request for c in http.calls if c.request.method == "POST"]
    assert {json.loads(r.body)["callback_url"] for r in posted} == {CALLBACK}
    assert {json.loads(r.body)["verification_token"] for r in posted} == {"oura-verification-token"}
    assert "Oura push: created 13 of 13 missing subscription(s)" in caplog.text


def test_a_subscription_oura_refused_to_renew_is_created_again(set_up, http):
    held = _held(timedelta(hours=5), timedelta(days=20))  # sub-0 create/sleep is due
    http.add("GET", SUBSCRIPTIONS, json=held)
    http.add("PUT", SUBSCRIPTIONS + "/renew/sub-0", status=403, json={"detail": "Forbidden"})
    _creates(http)

    outcome = provider_upkeep()

    assert outcome["oura"] == {
        **NOTHING,
        **{"held": 2, "refused": 1, "missing": 14, "created": 14},
    }
    assert ("create", "sleep") in _created(http)
    assert ("delete", "workout") not in _created(http)  # held, and not due


def test_the_upkeep_with_everything_held_creates_nothing(set_up, http):
    held = [
        {"id": f"sub-{e}-{d}", "callback_url": CALLBACK, "event_type": e, "data_type": d}
        | {"expiration_time": (timezone.now() + timedelta(days=20)).isoformat()}
        for e, d in _wanted()
    ]
    http.add("GET", SUBSCRIPTIONS, json=held)

    outcome = provider_upkeep()

    assert outcome["oura"] == {**NOTHING, "held": 15}
    assert [c.request.method for c in http.calls] == ["GET"]


def test_subscriptions_oura_refuses_to_create_are_counted_and_logged(set_up, http, caplog):
    http.add("GET", SUBSCRIPTIONS, json=[])
    _creates(http, status=403)

    with caplog.at_level("WARNING"):
        outcome = provider_upkeep()

    assert outcome["oura"] == {**NOTHING, "missing": 15, "failed": 15}
    assert len(_created(http)) == 15  # one refusal does not stop the others
    assert "Oura did not create the create/sleep subscription" in caplog.text


def _wanted() -> list[tuple[str, str]]:
    from connections.providers.oura.subscriptions import wanted

    return wanted()
