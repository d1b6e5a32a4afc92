"""The demo provider pushes the Google way: its keyset, its signature, 'Add a workout now'."""

from __future__ import annotations

import json
import stat

import pytest

from connections.models import ImportRun, WebhookHint
from connections.providers.google_health import signature
from records.models import Activity
from sandbox import push
from tests.conftest import page_text

pytestmark = pytest.mark.django_db


def test_the_demo_keyset_is_a_tink_keyset_of_the_checkouts_own_key(logged_in):
    served = logged_in.get("/sandbox/api/webhooks/keyset.json")

    keys = signature.parse_keyset(served.content.decode())
    assert list(keys) == [push.key_id(push.private_key().public_key())]
    assert push.key_path().parent.name == "var"  # per checkout, ignored by git
    assert stat.S_IMODE(push.key_path().stat().st_mode) == 0o600


def test_a_demo_signature_verifies_against_its_served_keyset(demo_http):
    body = b'{"data": {}}'

    signature.verify(
        body,
        push.sign(body, push.private_key()),
        keyset_url="http://testserver/sandbox/api/webhooks/keyset.json",
        provider_name="Demo Health",
    )


def test_add_a_workout_now_reaches_my_data_without_waiting_for_the_schedule(
    demo_push, demo_connected, run_import, run_tasks, logged_in, django_capture_on_commit_callbacks
):
    activities = demo_connected("activities")["activities"]
    run_import(activities)
    before = Activity.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        page = logged_in.post("/sandbox/data/workouts/add/", follow=True)
    assert "Demo Health told Tendon" in page_text(page)
    run_tasks()  # the demo's push, then the import it triggers

    assert Activity.objects.count() == before + 1
    added = Activity.objects.get(key__contains="ex-added-")
    assert added.name == "Quick run" and added.duration.total_seconds() == 40 * 60
    assert WebhookHint.objects.get().reason == "queued"
    assert ImportRun.objects.filter(connection=activities).count() == 2
    assert "Quick run" in page_text(logged_in.get("/data/"))


def test_the_demo_api_serves_added_workouts_and_hides_deleted_ones(demo_connected, logged_in):
    demo_connected("activities")
    logged_in.post("/sandbox/data/workouts/add/")
    page = logged_in.get("/sandbox/")
    names = [n for n in page.content.decode().split('data-point="')[1:]]
    added = next(n.split('"')[0] for n in names if "ex-added-" in n)

    logged_in.post("/sandbox/data/delete/", {"data_type": "exercise", "name": added})

    assert added not in logged_in.get("/sandbox/").content.decode()


def test_the_demo_page_needs_its_own_sign_in_to_add_a_workout(client, user):
    client.force_login(user)  # signed in to Tendon, not to Demo Health

    response = client.post("/sandbox/data/workouts/add/")

    assert response.status_code == 302 and "/sandbox/login/" in response["Location"]


def test_a_demo_notification_has_the_google_shape():
    from datetime import UTC, datetime

    body = json.loads(
        push.notification(
            uid="demo-1",
            data_type="exercise",
            operation="UPSERT",
            start=datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
            end=datetime(2026, 11, 30, 7, 40, tzinfo=UTC),
        )
    )

    assert body["data"]["healthUserId"] == "demo-1"
    interval = body["data"]["intervals"][0]["physicalTimeInterval"]
    assert interval == {"startTime": "2026-11-30T07:00:00Z", "endTime": "2026-11-30T07:40:00Z"}
