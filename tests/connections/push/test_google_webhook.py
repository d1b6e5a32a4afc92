"""Push from Google Health: the subscriber handshake, signed notifications, and every refusal."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from connections.models import Connection, ImportRun, WebhookHint
from records.models import Activity
from tests.conftest import GOOGLE, fixture_json, snapshot
from tests.connections.push.conftest import AUTHORIZATION, TinkKey, notification

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"


def _nothing_changed(before: dict) -> None:
    assert snapshot() == before
    assert ImportRun.objects.count() == 0
    assert Connection.objects.filter(claimed_until__isnull=False).count() == 0


def _refusals() -> list[str]:
    return list(WebhookHint.objects.filter(outcome="refused").values_list("reason", flat=True))


def test_verification_with_the_secret_answers_201(google_push, webhook_post):
    response = webhook_post(
        "google_health", b'{"type": "verification"}', Authorization=AUTHORIZATION
    )

    assert response.status_code == 201
    assert WebhookHint.objects.count() == 0


def test_verification_without_the_secret_answers_401(google_push, webhook_post):
    assert webhook_post("google_health", b'{"type": "verification"}').status_code == 401
    wrong = webhook_post("google_health", b'{"type": "verification"}', Authorization="Bearer x")
    assert wrong.status_code == 401


def test_push_is_off_without_the_authorization_setting(settings, webhook_post):
    settings.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = ""

    response = webhook_post("google_health", b'{"type": "verification"}', Authorization="Bearer x")

    assert response.status_code == 404


def test_the_door_takes_only_post(google_push):
    assert Client().get("/webhooks/google_health/").status_code == 405


def test_a_signed_notification_starts_an_import_that_stores_the_new_record(
    google_push, google_activities, http, run_tasks
):
    http.add("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))

    response = google_push.post(notification())
    assert response.status_code == 204
    run = ImportRun.objects.get(connection=google_activities)
    assert run.outcome == ImportRun.Outcome.QUEUED  # enqueued at once, not at the next tick

    run_tasks()

    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.OK and run.created_count == 1
    assert Activity.objects.get(user=google_activities.user).name == "Running"
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason, hint.connection_id) == (
        "accepted",
        "queued",
        run.connection_id,
    )


def test_the_older_signature_header_name_is_accepted_too(google_push, google_activities):
    response = google_push.post(notification(), header="X-HEALTHAPI-SIGNATURE")

    assert response.status_code == 204
    assert ImportRun.objects.filter(connection=google_activities).count() == 1


def test_a_batch_of_notifications_is_one_json_array(google_push, google_activities, user):
    batch = [notification(), notification(data_type="sleep"), notification(data_type="floors")]

    assert google_push.post(batch).status_code == 204

    reasons = sorted(WebhookHint.objects.values_list("outcome", "reason"))
    # activities: queued; sleep: not connected here; floors: Tendon reads no floors.
    assert reasons == [
        ("accepted", "queued"),
        ("ignored", "no_feed"),
        ("ignored", "unknown_account"),
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key": TinkKey(0x1A2B3C4D)}, "bad_signature"),  # same key id, another key
        ({"header": None}, "no_signature"),
        ({"authorization": "Bearer wrong"}, "wrong_authorization"),
        ({"authorization": None}, "no_authorization"),
    ],
    ids=["another-key", "missing-header", "wrong-authorization", "no-authorization"],
)
def test_a_notification_that_does_not_prove_its_origin_is_refused(
    google_push, google_activities, change, reason
):
    before = snapshot()

    response = google_push.post(notification(), **change)

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == [reason]


def test_a_body_changed_after_signing_is_refused(google_push, google_activities):
    signed = json.dumps(notification()).encode()
    before = snapshot()

    response = google_push.post(signed, body=signed.replace(b"UPSERT", b"DELETE"))

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == ["bad_signature"]


def test_a_truncated_body_is_refused(google_push, google_activities):
    signed = json.dumps(notification()).encode()
    before = snapshot()

    response = google_push.post(signed, body=signed[:-10])

    assert response.status_code == 401
    _nothing_changed(before)


def test_a_body_over_256_kb_is_refused_unread(google_push, google_activities):
    huge = [notification() for _ in range(1)] + [{"padding": "x" * 300_000}]
    before = snapshot()

    response = google_push.post(huge)

    assert response.status_code == 413
    _nothing_changed(before)
    assert _refusals() == ["too_large"]


def test_a_signed_body_that_is_not_json_is_refused(google_push, google_activities):
    before = snapshot()

    response = google_push.post(b"<html>not json</html>")

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == ["not_json"]


def test_a_signed_body_of_another_shape_is_refused(google_push, google_activities):
    before = snapshot()

    response = google_push.post({"data": {"dataType": "exercise"}})  # no healthUserId

    assert response.status_code == 401
    _nothing_changed(before)
    assert _refusals() == ["bad_shape"]


def test_an_unknown_health_user_id_is_answered_and_ignored(google_push, google_activities):
    before = snapshot()

    response = google_push.post(notification(uid="someone-else"))

    assert response.status_code == 204  # Google would retry anything else for a week
    _nothing_changed(before)
    hint = WebhookHint.objects.get()
    assert (hint.outcome, hint.reason, hint.connection_id) == ("ignored", "unknown_account", None)


def test_a_removed_connection_is_answered_and_ignored(
    google_push, google_activities, logged_in, http
):
    http.add("POST", GOOGLE["revoke_url"])
    logged_in.post(f"/connect/{google_activities.pk}/remove/")
    before = snapshot()

    response = google_push.post(notification())

    assert response.status_code == 204
    _nothing_changed(before)
    assert WebhookHint.objects.get().reason == "not_enabled"


def test_a_disabled_connection_is_answered_and_ignored(google_push, google_activities, logged_in):
    logged_in.post(f"/connect/{google_activities.pk}/disable/")
    before = snapshot()

    assert google_push.post(notification()).status_code == 204

    _nothing_changed(before)
    assert WebhookHint.objects.get().reason == "not_enabled"


def test_an_unknown_key_id_fetches_the_keyset_again_once(google_push, google_activities):
    assert google_push.post(notification()).status_code == 204  # caches the keyset
    rotated = TinkKey(0x55667788)
    google_push.serve(google_push.key, rotated)  # Google publishes a new key ...

    answers = [google_push.post(notification(), key=rotated).status_code for _ in range(5)]

    assert answers == [204] * 5  # ... and signs with it
    assert google_push.keyset_fetches() == 2  # the first fetch, and one for the new key id


def test_signatures_with_a_key_id_nobody_publishes_fetch_at_most_once(
    google_push, google_activities
):
    assert google_push.post(notification()).status_code == 204
    forger = TinkKey(0x0BADF00D)

    answers = [google_push.post(notification(), key=forger).status_code for _ in range(10)]

    assert answers == [401] * 10
    assert google_push.keyset_fetches() == 2  # not one per request
    assert set(_refusals()) == {"unknown_key"}


def test_an_unreachable_keyset_is_a_retry_later(settings, google_push, google_activities, http):
    settings.GOOGLE_HEALTH_WEBHOOK_KEYSET_URL = "https://keys.unreachable.test/keyset.json"
    before = snapshot()

    response = google_push.post(notification())

    assert response.status_code == 503
    _nothing_changed(before)
    assert _refusals() == ["keyset_unavailable"]


def test_the_keyset_is_fetched_again_once_a_day_has_passed(
    google_push, google_activities, monkeypatch
):
    import time

    assert google_push.post(notification()).status_code == 204
    assert google_push.post(notification()).status_code == 204
    assert google_push.keyset_fetches() == 1  # cached
    a_day_later = time.time() + 24 * 3600 + 1
    monkeypatch.setattr(time, "time", lambda: a_day_later)

    assert google_push.post(notification()).status_code == 204

    assert google_push.keyset_fetches() == 2  # the copy was a day old: Google's keys may rotate


@pytest.mark.parametrize(
    ("data_type", "feed"),
    [
        ("exercise", "activities"),
        ("sleep", "sleep"),
        ("weight", "body"),
        ("body-fat", "body"),
        ("heart-rate", "heart_rate"),
        ("daily-resting-heart-rate", "heart_rate"),
        ("steps", "daily"),
        ("total-calories", "daily"),
    ],
)
def test_a_data_type_starts_the_import_of_the_feed_that_reads_it(
    google_push, logged_in, user, google_connect, data_type, feed
):
    from connections.providers.google_health.scopes import FEEDS

    token = fixture_json("google_health", "token")
    token["scope"] = " ".join(sorted({s for scopes in FEEDS.values() for s in scopes}))
    google_connect(logged_in, feeds=list(FEEDS), token=token)
    assert Connection.objects.filter(user=user, enabled=True).count() == len(FEEDS)

    assert google_push.post(notification(data_type=data_type)).status_code == 204

    started = ImportRun.objects.values_list("connection__feed", flat=True)
    assert list(started) == [feed]
    assert WebhookHint.objects.get().reason == "queued"
