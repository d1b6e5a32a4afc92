"""Polar's push: the unverified PING, HMAC-signed events as hints, hostile pushes changing
nothing, and `manage.py polar_webhook`."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from connections.models import ImportRun, WebhookHint
from connections.providers.polar.webhook import signature
from tests.conftest import fixture_json, snapshot
from tests.providers.polar.conftest import API, SECRET, body_of, delivery

pytestmark = pytest.mark.django_db
WEBHOOKS = API + "/v3/webhooks"


@pytest.fixture
def polar_push(settings, webhook_post):
    settings.POLAR_WEBHOOK_SECRET = SECRET

    def post(body: bytes, **headers):
        return webhook_post("polar", body, **headers)

    return post


def _nothing_happened(before) -> None:
    assert snapshot() == before
    assert not ImportRun.objects.exists()


def test_the_ping_that_creates_the_webhook_is_answered_before_any_secret_exists(
    settings, webhook_post
):
    settings.POLAR_WEBHOOK_SECRET = ""
    body, _headers = delivery("webhook_ping")

    response = webhook_post("polar", body, **{"Polar-Webhook-Event": "PING"})

    assert response.status_code == 200
    assert not WebhookHint.objects.exists()  # not a push: nothing logged, nothing done


def test_a_signed_exercise_event_starts_the_import_at_once(polar_connected, polar_push):
    body, headers = delivery("webhook_exercise")

    response = polar_push(body, **headers)

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert run.connection_id == polar_connected["activities"].pk
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason, hint.data_type) == ("accepted", "queued", "EXERCISE")


def test_a_sleep_event_also_wakes_nightly_recharge(polar_connected, polar_push):
    body, headers = delivery("webhook_sleep")

    polar_push(body, **headers)

    feeds = {run.connection.feed for run in ImportRun.objects.select_related("connection")}
    assert feeds == {"sleep", "heart_rate"}


def test_a_signed_event_for_an_older_day_has_that_day_read_again(polar_connected, polar_push):
    daily = polar_connected["daily"]
    daily.cursor = timezone.now()  # imported up to now: the ordinary overlap is two days
    daily.save()
    day = timezone.now().date() - timedelta(days=4)
    payload = {**fixture_json("polar", "webhook_activity_summary"), "date": day.isoformat()}
    body = json.dumps(payload).encode()

    polar_push(body, **{"Polar-Webhook-Signature": signature(body, SECRET)})

    daily.refresh_from_db()
    assert daily.reread_start == datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert daily.last_push_at is not None  # signed: polling slows down to reconciliation


@pytest.mark.parametrize(
    ("name", "headers", "status", "reason"),
    [
        ("no signature", {}, 401, "no_signature"),
        ("another key", {"Polar-Webhook-Signature": "0" * 64}, 401, "bad_signature"),
        ("signature of another body", "tampered", 401, "bad_signature"),
    ],
)
def test_unsigned_or_mis_signed_events_change_nothing(
    polar_connected, polar_push, name, headers, status, reason
):
    body, good = delivery("webhook_exercise")
    if headers == "tampered":
        tampered = fixture_json("polar", "webhook_signed_examples")["tampered"]
        body, headers = tampered["raw_body"].encode(), tampered["headers"]
    before = snapshot()

    response = polar_push(body, **headers)

    assert response.status_code == status
    assert WebhookHint.objects.get().reason == reason
    _nothing_happened(before)


def test_a_ping_carrying_data_is_not_a_ping(polar_connected, polar_push):
    body = b'{"event":"PING","user_id":10579,"date":"2026-11-28"}'
    before = snapshot()

    response = polar_push(body)

    assert response.status_code == 401
    _nothing_happened(before)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not_json"),
        (b'["EXERCISE"]', "bad_shape"),
        (b'{"event":"EXERCISE","user_id":"10579; DROP TABLE"}', "bad_shape"),
        (b'{"event":"SLEEP","user_id":10579,"date":"yesterday"}', "bad_shape"),
    ],
)
def test_signed_garbage_is_refused_and_changes_nothing(polar_connected, polar_push, body, reason):
    before = snapshot()

    response = polar_push(body, **{"Polar-Webhook-Signature": signature(body, SECRET)})

    assert response.status_code == 400
    assert WebhookHint.objects.get().reason == reason
    _nothing_happened(before)


def test_an_event_for_a_polar_user_nobody_connected_is_answered_and_ignored(
    polar_connected, polar_push
):
    body = json.dumps(fixture_json("polar", "webhook_exercise_unknown_user")).encode()
    before = snapshot()

    response = polar_push(body, **{"Polar-Webhook-Signature": signature(body, SECRET)})

    assert response.status_code == 200
    assert WebhookHint.objects.get().reason == "unknown_account"
    _nothing_happened(before)


def test_without_a_secret_data_events_are_turned_away(settings, polar_connected, webhook_post):
    settings.POLAR_WEBHOOK_SECRET = ""
    body, headers = delivery("webhook_exercise")
    before = snapshot()

    response = webhook_post("polar", body, **headers)

    assert response.status_code == 404
    _nothing_happened(before)


def test_only_post_is_accepted():
    assert Client().get("/webhooks/polar/").status_code == 405


# manage.py polar_webhook ------------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command("polar_webhook", *args, stdout=out)
    return out.getvalue()


def test_create_makes_the_webhook_and_prints_its_secret_once(settings, polar_app, http):
    settings.SITE_URL = "https://tendon.example.org"
    http.add("GET", WEBHOOKS, json={"data": []})
    http.add("POST", WEBHOOKS, status=201, json=fixture_json("polar", "webhook_created"))

    output = _run("--create")

    create = [c for c in http.calls if c.request.method == "POST"][0]
    assert body_of(create)["url"] == "https://tendon.example.org/webhooks/polar/"
    assert set(body_of(create)["events"]) == {
        "EXERCISE",
        "SLEEP",
        "ACTIVITY_SUMMARY",
        "PHYSICAL_INFORMATION",
    }
    basic = base64.b64encode(b"polar-client:polar-secret").decode()
    assert create.request.headers["Authorization"] == f"Basic {basic}"
    assert f"POLAR_WEBHOOK_SECRET={SECRET}" in output


def test_create_refuses_when_polar_already_has_one(polar_app, http):
    http.add("GET", WEBHOOKS, json=fixture_json("polar", "webhook_info"))

    with pytest.raises(CommandError, match="already has webhook abdf33"):
        _run("--create")


def test_create_says_why_polar_refused(polar_app, http):
    http.add("GET", WEBHOOKS, json={"data": []})
    http.add("POST", WEBHOOKS, status=409, json=fixture_json("polar", "webhook_error_409"))

    with pytest.raises(CommandError, match="Webhook already exists"):
        _run("--create")


def test_a_weight_change_event_wakes_the_body_feed(polar_connected, polar_push):
    body, headers = delivery("webhook_physical_information")

    polar_push(body, **headers)

    assert ImportRun.objects.get().connection_id == polar_connected["body"].pk


def test_show_and_delete(settings, polar_app, http):
    settings.SITE_URL = "https://tendon.example.org"
    http.add("GET", WEBHOOKS, json=fixture_json("polar", "webhook_info"))
    http.add("DELETE", WEBHOOKS + "/abdf33", status=204)

    shown = _run()
    deleted = _run("--delete")

    assert "Webhook abdf33: https://tendon.example.org/webhooks/polar/ (active)" in shown
    assert "POLAR_WEBHOOK_SECRET is not set." in shown
    assert "Deleted Polar webhook abdf33." in deleted
