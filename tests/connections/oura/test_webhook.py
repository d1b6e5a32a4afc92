"""Push from Oura: the verification handshake, signed events, and every refusal."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, ImportRun, WebhookHint
from connections.providers.oura.webhook import signature
from records.models import SleepSession
from tests.conftest import fixture_json, query_of, snapshot
from tests.connections.oura.conftest import SECRET, collection

pytestmark = pytest.mark.django_db
SLEEP = collection("sleep")
EVENT = fixture_json("oura", "webhook_event_create_sleep")


def _nothing_changed(before: dict) -> None:
    assert snapshot() == before
    assert ImportRun.objects.count() == 0
    assert Connection.objects.filter(claimed_until__isnull=False).count() == 0


def _refusals() -> list[str]:
    return list(WebhookHint.objects.filter(outcome="refused").values_list("reason", flat=True))


def _verify(**query):
    return Client().get("/webhooks/oura/", query)


def test_verification_with_our_token_answers_the_challenge(oura_push):
    response = _verify(verification_token="oura-verification-token", challenge="random-string")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == fixture_json("oura", "webhook_verification_reply")
    assert WebhookHint.objects.count() == 0


def test_verification_with_another_token_gets_no_challenge(oura_push):
    response = _verify(verification_token="guess", challenge="random-string")

    assert response.status_code == 401
    assert b"random-string" not in response.content


def test_push_is_off_without_a_verification_token(settings):
    settings.OURA_WEBHOOK_VERIFICATION_TOKEN = ""

    response = _verify(verification_token="", challenge="random-string")

    assert response.status_code == 404


def test_our_signature_is_ouras_documented_one():
    example = fixture_json("oura", "webhook_signed_example")
    headers = example["headers"]

    given = signature(SECRET, headers["x-oura-timestamp"], example["raw_body"].encode())

    assert given == headers["x-oura-signature"]


def test_a_signed_event_starts_an_import_that_stores_the_new_sleep(
    oura_push, oura_connected, http, run_tasks
):
    http.add("GET", SLEEP, json=fixture_json("oura", "sleep_page2"))

    response = oura_push(EVENT)

    assert response.status_code == 200
    run = ImportRun.objects.get(connection=oura_connected["sleep"])
    assert run.outcome == ImportRun.Outcome.QUEUED
    run_tasks()
    run.refresh_from_db()
    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 1)
    assert SleepSession.objects.get().key == EVENT["object_id"]
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason, hint.data_type, hint.operation) == (
        "accepted",
        "queued",
        "sleep",
        "upsert",
    )


def test_a_lower_case_signature_and_a_timestamp_in_milliseconds_are_accepted(
    oura_push, oura_connected
):
    raw = json.dumps(EVENT).encode()
    stamp = str(int(time.time() * 1000))

    response = oura_push(
        EVENT, body=raw, timestamp=stamp, sign=signature(SECRET, stamp, raw).lower()
    )

    assert response.status_code == 200
    assert WebhookHint.objects.get().outcome == "accepted"


def test_a_daily_event_makes_the_daily_summary_due(oura_push, oura_connected):
    oura_push(fixture_json("oura", "webhook_event_update_daily_activity"))

    assert ImportRun.objects.get().connection_id == oura_connected["daily"].pk


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"sign": "AD52E76E38889D4A6FA3673275E6F6C9860422E558105CE61F89E5BAD3A85B2A"},
            "bad_signature",
        ),
        ({"sign": ""}, "no_signature"),
        ({"timestamp": int(time.time()) - 600}, "stale_timestamp"),
        ({"timestamp": int(time.time()) + 600}, "stale_timestamp"),
    ],
    ids=["bad-signature", "no-signature", "old-timestamp", "future-timestamp"],
)
def test_an_event_that_does_not_prove_its_origin_and_age_is_refused(
    oura_push, oura_connected, change, reason
):
    before = snapshot()

    response = oura_push(EVENT, **change)

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == [reason]


def test_ouras_own_signed_example_is_refused_as_too_old(oura_push, oura_connected):
    example = fixture_json("oura", "webhook_signed_example")
    before = snapshot()

    response = oura_push(
        None,
        body=example["raw_body"].encode(),
        timestamp=example["headers"]["x-oura-timestamp"],
        sign=example["headers"]["x-oura-signature"],
    )

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == ["stale_timestamp"]


def test_a_body_changed_after_signing_is_refused(oura_push, oura_connected):
    stamp = str(int(time.time()))
    signed = signature(SECRET, stamp, json.dumps(EVENT).encode())
    tampered = json.dumps({**EVENT, "user_id": "someone-else"}).encode()
    before = snapshot()

    response = oura_push(None, body=tampered, timestamp=stamp, sign=signed)

    assert response.status_code == 401
    _nothing_changed(before)


def test_an_event_for_an_unknown_user_is_answered_and_changes_nothing(oura_push, oura_connected):
    before = snapshot()

    response = oura_push(fixture_json("oura", "webhook_event_unknown_user"))

    assert response.status_code == 200  # anything else makes Oura retry for an hour
    _nothing_changed(before)
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason) == ("ignored", "unknown_account")


def test_a_signed_body_that_is_not_an_event_is_refused(oura_push, oura_connected):
    before = snapshot()

    response = oura_push(None, body=b'{"event_type": "explode"}')

    assert response.status_code == 400
    _nothing_changed(before)
    assert _refusals() == ["bad_shape"]


def test_data_tendon_does_not_import_is_answered_and_ignored(oura_push, oura_connected):
    response = oura_push({**EVENT, "data_type": "tag"})

    assert response.status_code == 200
    assert WebhookHint.objects.get().reason == "no_feed"


def test_the_door_never_answers_410_which_would_cancel_the_subscription(oura_push):
    assert Client().put("/webhooks/oura/").status_code == 405


def test_a_delete_event_removes_the_sleep_oura_no_longer_returns(
    oura_push, oura_connected, http, run_tasks, run_import, user_factory
):
    night = fixture_json("oura", "sleep_page2")["data"][0]
    bedtime = (timezone.now() - timedelta(days=10)).replace(microsecond=0)  # before the overlap
    night["bedtime_start"] = bedtime.isoformat()
    night["bedtime_end"] = (bedtime + timedelta(hours=8)).isoformat()
    http.add("GET", SLEEP, json={"data": [night], "next_token": None})
    run_import(oura_connected["sleep"])
    stranger = user_factory()  # someone else's record with the same key stays
    SleepSession.objects.create(
        user=stranger,
        provider="oura",
        account_uid="someone",
        key=night["id"],
        start=timezone.now(),
        end=timezone.now(),
    )
    http.replace("GET", SLEEP, json={"data": [], "next_token": None})
    calls_before = len(http.calls)

    response = oura_push(fixture_json("oura", "webhook_event_delete_sleep"))
    run_tasks()

    assert response.status_code == 200
    assert not SleepSession.objects.filter(user=oura_connected["sleep"].user).exists()
    assert SleepSession.objects.filter(user=stranger).count() == 1
    event = ConnectionEvent.objects.get(kind=ConnectionEvent.Kind.DELETED)
    assert event.message == "1 record deleted at Oura; removed from My data too."
    reread = query_of(http.calls[calls_before].request.url)
    assert reread["start_date"] == f"{bedtime - timedelta(days=1):%Y-%m-%d}"  # its night again
