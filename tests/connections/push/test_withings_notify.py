"""Withings Notify: the URL check, form notifications, subscriptions, and 'unlinked'."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun, WebhookHint
from tests.conftest import WITHINGS, SteppingClock, fixture_json, query_of, snapshot

pytestmark = pytest.mark.django_db
NOTIFY = WITHINGS["api_url"] + "/notify"
CALLBACK = "https://tendon.example.org/webhooks/withings/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def withings_connected(
    settings,
    logged_in,
    user,
    withings_app,
    oauth_start,
    http,
    run_tasks,  # an empty queue first
    django_capture_on_commit_callbacks,
):
    """Withings connected with body and daily; its subscription task is waiting in the queue."""
    settings.SITE_URL = "https://tendon.example.org"
    _url, query = oauth_start(logged_in, "withings", ["body", "daily"])
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "token"))
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.get(
            "/accounts/withings/login/callback/", {"code": "abc", "state": query["state"]}
        )
    return {c.feed: c for c in Connection.objects.filter(user=user)}


@pytest.fixture
def clock(monkeypatch):
    """time.time() held at the start of a minute, so a flood never straddles a rate window."""
    import time

    now = [1_800_000_000.0]  # a multiple of 60
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def _notify_calls(http) -> list[dict]:
    return [query_of("?" + c.request.body) for c in http.calls if c.request.url == NOTIFY]


def _post(webhook_post, body: str, **headers):
    return webhook_post("withings", body.encode(), content_type=FORM, **headers)


def test_withings_url_checks_get_200():
    assert Client().head("/webhooks/withings/").status_code == 200
    assert Client().get("/webhooks/withings/").status_code == 200


def test_connecting_subscribes_to_what_the_feeds_need(withings_connected, http, run_tasks):
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})

    run_tasks()

    calls = _notify_calls(http)
    assert {c["action"] for c in calls} == {"subscribe"}
    assert sorted(int(c["appli"]) for c in calls) == [1, 16, 46]  # body, activity, user events
    assert {c["callbackurl"] for c in calls} == {CALLBACK}
    assert all(
        c.request.headers["Authorization"] == "Bearer a075f8c14fb8df40b08ebc8508533dc332a6910a"
        for c in http.calls
        if c.request.url == NOTIFY
    )
    credential = Credential.objects.get(provider="withings")
    assert (credential.push_subscribed, credential.push_sync_due_at) == ([1, 16, 46], None)


def test_a_failed_subscribe_is_retried_later_and_never_blocks_connecting(
    withings_connected, http, run_tasks, logged_in
):
    http.add("POST", NOTIFY, json={"status": 293, "error": "Callback URL unreachable"})

    run_tasks()

    credential = Credential.objects.get(provider="withings")
    assert credential.status == Credential.Status.ACTIVE
    assert credential.push_sync_attempts == 1
    assert credential.push_sync_due_at > timezone.now() + timedelta(minutes=5)
    assert credential.push_subscribed == []
    assert withings_connected["body"].enabled

    # The retry schedule finds it once it is due, and this time Withings accepts.
    from connections.services.subscriptions import push_subscriptions_sync_due

    http.replace("POST", NOTIFY, json={"status": 0, "body": {}})
    assert push_subscriptions_sync_due(now=timezone.now() + timedelta(days=1)) == 1
    assert Credential.objects.get(pk=credential.pk).push_subscribed == [1, 16, 46]


def test_a_subscription_pass_out_of_time_leaves_what_is_due_for_the_next_pass(
    withings_connected, http, run_tasks, settings, monkeypatch
):
    from connections.services import subscriptions

    http.add("POST", NOTIFY, json={"status": 293, "error": "Callback URL unreachable"})
    run_tasks()
    before = Credential.objects.values("push_sync_due_at", "push_sync_attempts").get()
    calls = len(http.calls)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 120}  # a budget of 40 s
    monkeypatch.setattr(subscriptions.time, "monotonic", SteppingClock(60))

    subscribed = subscriptions.push_subscriptions_sync_due(now=timezone.now() + timedelta(days=1))

    assert subscribed == 0 and len(http.calls) == calls  # Withings was not asked again
    assert Credential.objects.values("push_sync_due_at", "push_sync_attempts").get() == before


def test_remove_unsubscribes_before_revoking(withings_connected, http, run_tasks, logged_in):
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})
    run_tasks()
    http.add("POST", WITHINGS["api_url"] + "/v2/signature", json=fixture_json("withings", "nonce"))
    http.add("POST", WITHINGS["revoke_url"], json=fixture_json("withings", "revoke"))

    logged_in.post(f"/connect/{withings_connected['body'].pk}/remove/")

    revokes = [c for c in _notify_calls(http) if c["action"] == "revoke"]
    assert sorted(int(c["appli"]) for c in revokes) == [1, 16, 46]
    assert {c["callbackurl"] for c in revokes} == {CALLBACK}
    credential = Credential.objects.get(provider="withings")
    assert credential.status == Credential.Status.REVOKED and credential.push_subscribed == []


def test_a_notification_makes_the_connection_due_now(withings_connected, webhook_post):
    response = _post(webhook_post, "userid=363&appli=1&startdate=1764400000&enddate=1764400100")

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert run.connection_id == withings_connected["body"].pk
    assert WebhookHint.objects.get().reason == "queued"


def test_a_withings_hint_never_widens_a_window_or_slows_polling(withings_connected, webhook_post):
    body = withings_connected["body"]
    Connection.objects.filter(pk=body.pk).update(cursor=timezone.now())

    _post(webhook_post, "userid=363&appli=1&startdate=1700000000&enddate=1700000100")

    body.refresh_from_db()
    assert (body.reread_start, body.last_push_at) == (None, None)  # unverifiable: only earlier


def test_a_notification_for_an_unknown_userid_changes_nothing(withings_connected, webhook_post):
    before = snapshot()

    response = _post(webhook_post, "userid=999999&appli=1&startdate=1764400000&enddate=1764400100")

    assert response.status_code == 200
    assert snapshot() == before and not ImportRun.objects.exists()
    assert WebhookHint.objects.get().reason == "unknown_account"


def test_unlinked_at_withings_flags_the_credential_once_withings_confirms(
    withings_connected, webhook_post, http, run_tasks
):
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})
    run_tasks()  # subscriptions
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "invalid_refresh_token"))

    response = _post(webhook_post, "userid=363&appli=46&action=unlink")
    assert response.status_code == 200
    run_tasks()

    credential = Credential.objects.get(provider="withings")
    assert credential.status == Credential.Status.NEEDS_REAUTH
    assert ConnectionEvent.objects.filter(kind=ConnectionEvent.Kind.FLAGGED).count() == 2


def test_a_forged_unlink_cannot_disconnect_anyone(
    withings_connected, webhook_post, http, run_tasks
):
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})
    run_tasks()
    refreshed = fixture_json("withings", "token")
    refreshed["body"]["refresh_token"] = "rotated-refresh-token"
    http.add("POST", WITHINGS["token_url"], json=refreshed)

    _post(webhook_post, "userid=363&appli=46&action=unlink")
    run_tasks()

    credential = Credential.objects.get(provider="withings")
    assert credential.status == Credential.Status.ACTIVE
    assert credential.refresh_token == "rotated-refresh-token"


def test_notifications_from_outside_the_allowed_networks_are_refused(
    settings, withings_connected, webhook_post
):
    settings.WITHINGS_NOTIFY_ALLOWED_NETWORKS = ["89.30.121.0/24"]
    before = snapshot()

    response = _post(webhook_post, "userid=363&appli=1")  # the test client is 127.0.0.1

    assert response.status_code == 403
    assert snapshot() == before and not ImportRun.objects.exists()
    assert WebhookHint.objects.get().reason == "network"


def test_notifications_from_an_allowed_network_are_taken(
    settings, withings_connected, webhook_post
):
    settings.WITHINGS_NOTIFY_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8"]

    assert _post(webhook_post, "userid=363&appli=1").status_code == 200
    assert ImportRun.objects.count() == 1


def test_a_flood_for_one_userid_is_dropped_past_the_rate_limit(
    withings_connected, webhook_post, clock
):
    answers = [_post(webhook_post, "userid=363&appli=1").status_code for _ in range(35)]

    assert answers == [200] * 35  # Withings drops a subscription after failed deliveries
    reasons = list(WebhookHint.objects.values_list("reason", flat=True))
    assert reasons.count("rate_limited") == 5
    assert ImportRun.objects.count() == 1


def test_forged_notifies_for_one_userid_start_one_import_until_the_gap_has_passed(
    settings, withings_connected, webhook_post, http, run_tasks
):
    settings.UNSIGNED_PUSH_GAP_SECONDS = 300
    settings.IMPORT_CONCURRENCY = 1  # imports on this thread, inside the test's transaction
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})
    http.add(
        "POST", WITHINGS["api_url"] + "/measure", json=fixture_json("withings", "getmeas_last")
    )
    http.add(
        "POST", WITHINGS["api_url"] + "/v2/measure", json=fixture_json("withings", "getactivity")
    )
    run_tasks()  # the subscriptions and the first imports
    body = withings_connected["body"]
    Connection.objects.filter(pk=body.pk).update(
        last_attempt_at=timezone.now() - timedelta(hours=1)
    )
    earlier = set(ImportRun.objects.filter(connection=body).values_list("pk", flat=True))
    answers = []
    for _ in range(10):  # each one after the import before it finished, as an abuser would
        answers.append(_post(webhook_post, "userid=363&appli=1").status_code)
        run_tasks()

    assert answers == [200] * 10
    (run,) = ImportRun.objects.filter(connection=body).exclude(pk__in=earlier)
    assert run.outcome == ImportRun.Outcome.OK
    reasons = list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["queued"] + ["deferred"] * 9
    after = Connection.objects.get(pk=body.pk)
    assert after.next_run_at == run.started_at + timedelta(seconds=300)


def test_a_malformed_notification_is_refused(withings_connected, webhook_post):
    before = snapshot()

    response = _post(webhook_post, "appli=1&userid=abc")

    assert response.status_code == 400
    assert snapshot() == before and not ImportRun.objects.exists()


def test_reconnect_subscribes_again(
    withings_connected, http, run_tasks, logged_in, django_capture_on_commit_callbacks
):
    http.add("POST", NOTIFY, json={"status": 0, "body": {}})
    run_tasks()
    Credential.objects.update(status=Credential.Status.NEEDS_REAUTH)
    start = logged_in.post(f"/connect/{withings_connected['body'].pk}/reconnect/")
    http.add("POST", WITHINGS["token_url"], json=fixture_json("withings", "token"))

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.get(
            "/accounts/withings/login/callback/",
            {"code": "again", "state": query_of(start["Location"])["state"]},
        )
    run_tasks()

    subscribes = [c for c in _notify_calls(http) if c["action"] == "subscribe"]
    assert len(subscribes) == 6  # three at connect, three again after reconnecting
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_the_rate_limit_lets_a_userid_in_again_the_next_minute_on_the_file_cache(
    settings, tmp_path, withings_connected, webhook_post, clock
):
    # The default cache without Redis: files, whose incr() starts the entry's timeout afresh.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    flood = [_post(webhook_post, "userid=363&appli=1").status_code for _ in range(31)]
    clock[0] += 61

    assert _post(webhook_post, "userid=363&appli=1").status_code == 200

    assert flood == [200] * 31
    reasons = list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons.count("rate_limited") == 1  # the 31st of the first minute only
    assert reasons[-1] != "rate_limited"
    assert ImportRun.objects.count() == 1
