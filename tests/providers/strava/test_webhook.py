"""Strava's push: the verification handshake, unsigned events as hints only, deletions and
deauthorization decided by Strava's own API, hostile pushes changing nothing, and
`manage.py strava_webhook`."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun, WebhookHint
from records.models import Activity
from tests.conftest import STRAVA, fixture_json, page_text, query_of, snapshot
from tests.providers.strava.conftest import API, calls_to

pytestmark = pytest.mark.django_db
VERIFY_TOKEN = "STRAVA"  # the value in Strava's own example
ACTIVITIES = API + "/athlete/activities"
SUBSCRIPTIONS = API + "/push_subscriptions"
LATE = "154504250376825"  # the activity event_activity_create.json announces
LATE_URL = f"{API}/activities/{LATE}"


@pytest.fixture
def strava_push(settings, webhook_post):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    settings.STRAVA_WEBHOOK_SUBSCRIPTION_ID = "120475"

    def post(event: dict | bytes):
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        return webhook_post("strava", body)

    return post


def _event(name: str, **changes) -> dict:
    return {**fixture_json("strava", name), **changes}


def _nothing_happened(before) -> None:
    assert snapshot() == before
    assert not ImportRun.objects.exists()


# The handshake ---------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_to_our_verify_token(settings):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN

    response = Client().get(
        "/webhooks/strava/", fixture_json("strava", "webhook_validation_request")
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == fixture_json("strava", "webhook_validation_reply")


def test_the_handshake_with_another_verify_token_echoes_nothing(settings):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    query = {**fixture_json("strava", "webhook_validation_request"), "hub.verify_token": "guess"}

    response = Client().get("/webhooks/strava/", query)

    assert response.status_code == 403
    assert b"15f7d1a91c1f40f8a748fd134752feb3" not in response.content
    assert WebhookHint.objects.get().reason == "wrong_verify_token"


def test_push_is_off_without_a_verify_token(settings, strava_connected):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = ""
    before = snapshot()

    response = Client().get(
        "/webhooks/strava/", fixture_json("strava", "webhook_validation_request")
    )
    posted = Client().post(
        "/webhooks/strava/",
        json.dumps(_event("event_activity_create")),
        content_type="application/json",
    )

    assert (response.status_code, posted.status_code) == (404, 404)
    _nothing_happened(before)


# Events ----------------------------------------------------------------------------------


def test_a_new_activity_event_starts_the_import_at_once_as_a_mere_hint(
    strava_connected, strava_push
):
    response = strava_push(_event("event_activity_create"))

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert run.connection_id == strava_connected["activities"].pk
    activities = Connection.objects.get(pk=strava_connected["activities"].pk)
    assert activities.last_push_at is None  # unsigned: polling does not slow down
    assert (activities.reread_start, activities.reread_deletes) == (None, False)


def _activity(number: int, start) -> dict:
    item = {**fixture_json("strava", "athlete_activities_page1")[1]}
    item.update(id=number, name=f"Run {number}", start_date=f"{start:%Y-%m-%dT%H:%M:%SZ}")
    return item


def _strava_lists(http, activities: list[dict]) -> None:
    def answer(request):
        page = int(query_of(request.url)["page"])
        return 200, {}, json.dumps(activities if page == 1 else [])

    http.add_callback("GET", ACTIVITIES, callback=answer)


@pytest.fixture
def three_old_runs(strava_connected, run_import, http):
    """Three runs from five days ago, imported an hour ago; the cursor is then (past the
    overlap). Pushes that come now start an import at once (none ran moments ago)."""
    day = (timezone.now() - timedelta(days=5)).replace(hour=7, minute=0, second=0, microsecond=0)
    runs = [_activity(n, day + timedelta(hours=n)) for n in (1, 2, 3)]
    _strava_lists(http, runs)
    run_import(strava_connected["activities"])
    assert Activity.objects.count() == 3
    http.remove("GET", ACTIVITIES)
    Connection.objects.filter(pk=strava_connected["activities"].pk).update(
        last_attempt_at=timezone.now() - timedelta(hours=1)
    )
    return runs


def test_a_deleted_activity_goes_once_strava_no_longer_returns_it(
    strava_connected, strava_push, three_old_runs, http, run_tasks
):
    _strava_lists(http, [three_old_runs[0], three_old_runs[2]])  # run 2 deleted at Strava

    strava_push(_event("event_activity_delete", object_id=2))
    run_tasks()

    assert sorted(Activity.objects.values_list("key", flat=True)) == ["1", "3"]
    assert ConnectionEvent.objects.filter(kind="deleted").count() == 1


def test_a_forged_deletion_deletes_nothing_strava_still_has(
    strava_connected, strava_push, three_old_runs, http, run_tasks
):
    _strava_lists(http, three_old_runs)  # Strava still has every run

    strava_push(_event("event_activity_delete", object_id=2))
    run_tasks()

    assert Activity.objects.count() == 3
    assert not ConnectionEvent.objects.filter(kind="deleted").exists()


@pytest.mark.parametrize("event", ["event_activity_update", "event_activity_update_private"])
def test_an_edit_to_an_old_activity_is_read_again_from_strava(
    strava_connected, strava_push, three_old_runs, http, run_tasks, event
):
    renamed = {**three_old_runs[1], "name": "Messy"}
    _strava_lists(http, [three_old_runs[0], renamed, three_old_runs[2]])

    strava_push(_event(event, object_id=2))
    run_tasks()

    assert Activity.objects.get(key="2").name == "Messy"


def test_the_athlete_revoking_tendon_flags_the_grant_on_stravas_word(
    strava_connected, strava_push, http, run_tasks, mailoutbox
):
    http.add(
        "POST",
        STRAVA["token_url"],
        status=400,
        json=fixture_json("strava", "error_invalid_refresh_token"),
    )

    response = strava_push(_event("event_athlete_deauthorize"))
    run_tasks()

    assert response.status_code == 200
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert [m.subject for m in mailoutbox] == ["Reconnect Strava to keep your data flowing"]
    assert WebhookHint.objects.get().reason == "grant_check"


def test_a_forged_deauthorization_leaves_a_live_grant_alone(
    strava_connected, strava_push, http, run_tasks, mailoutbox
):
    from tests.providers.strava.conftest import token_reply

    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed_unchanged"))

    strava_push(_event("event_athlete_deauthorize"))
    run_tasks()

    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert mailoutbox == []


def _cooldown_passes(monkeypatch, seconds: int) -> None:
    """The clock moves on and django-q2's scheduler (part of every qcluster) looks for due
    schedules, as it does every few seconds."""
    from django_q import scheduler
    from django_q.brokers import get_broker

    now, shift = timezone.now, timedelta(seconds=seconds)
    monkeypatch.setattr(timezone, "now", lambda: now() + shift)
    # A worker closes stale database connections first; the test's own must stay open.
    monkeypatch.setattr(scheduler, "close_old_django_connections", lambda: None)
    scheduler.scheduler(broker=get_broker())


def test_a_revocation_after_a_forged_one_is_checked_when_the_cooldown_ends(
    strava_connected, strava_push, http, run_tasks, mailoutbox, monkeypatch
):
    from tests.providers.strava.conftest import token_reply

    http.add("POST", STRAVA["token_url"], json=token_reply("token_refreshed_unchanged"))
    strava_push(_event("event_athlete_deauthorize"))  # forged: the grant holds
    run_tasks()
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    # Minutes later the athlete really revokes Tendon, inside the forged one's cooldown.
    http.replace(
        "POST",
        STRAVA["token_url"],
        status=400,
        json=fixture_json("strava", "error_invalid_refresh_token"),
    )
    answers = [strava_push(_event("event_athlete_deauthorize")).status_code for _ in range(3)]
    run_tasks()
    assert Credential.objects.get().status == Credential.Status.ACTIVE  # not yet: cooldown
    refreshes = len(calls_to(http, STRAVA["token_url"], "POST"))

    _cooldown_passes(monkeypatch, 301)
    run_tasks()

    assert answers == [200] * 3
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert [m.subject for m in mailoutbox] == ["Reconnect Strava to keep your data flowing"]
    assert len(calls_to(http, STRAVA["token_url"], "POST")) == refreshes + 1  # one check
    reasons = list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["grant_check", "grant_check_later", "coalesced", "coalesced"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", 400, "not_json"),
        (b"[1, 2]", 400, "bad_shape"),
        (json.dumps({"object_type": "activity"}).encode(), 400, "bad_shape"),
        (
            json.dumps(_event("event_activity_create", owner_id="134815")).encode(),
            400,
            "bad_shape",
        ),
        (
            json.dumps(_event("event_activity_create", aspect_type="explode")).encode(),
            400,
            "bad_shape",
        ),
        (json.dumps(_event("event_wrong_subscription")).encode(), 403, "wrong_subscription"),
    ],
)
def test_hostile_events_are_refused_and_change_nothing(
    strava_connected, strava_push, body, status, reason
):
    before = snapshot()

    response = strava_push(body)

    assert response.status_code == status
    assert WebhookHint.objects.get().reason == reason
    _nothing_happened(before)


def test_an_event_for_an_athlete_nobody_connected_is_answered_and_ignored(
    strava_connected, strava_push
):
    before = snapshot()

    response = strava_push(_event("event_unknown_owner"))

    assert response.status_code == 200
    assert WebhookHint.objects.get().reason == "unknown_account"
    _nothing_happened(before)


def test_a_flood_for_one_athlete_is_cut_short(strava_connected, strava_push, monkeypatch):
    import time

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)  # within one rate window
    for _ in range(35):
        strava_push(_event("event_activity_create"))

    reasons = list(WebhookHint.objects.values_list("reason", flat=True))
    assert reasons.count("rate_limited") == 5
    assert ImportRun.objects.count() <= 2  # one run, and at most one follow-up


def test_forged_creates_for_one_athlete_start_one_import_until_the_gap_has_passed(
    settings, strava_connected, strava_push, http, run_tasks, monkeypatch
):
    settings.UNSIGNED_PUSH_GAP_SECONDS = 300
    _strava_lists(http, [])
    http.add("GET", LATE_URL, status=404)  # no such activity: forged
    activities = strava_connected["activities"]
    answers = []
    for _ in range(10):  # each one after the import before it finished, as an abuser would
        answers.append(strava_push(_event("event_activity_create")).status_code)
        run_tasks()

    assert answers == [200] * 10
    (run,) = ImportRun.objects.filter(connection=activities)
    reasons = list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["queued"] + ["deferred"] * 9
    # What the admin's connection page shows: the next import, once the gap has passed.
    after = Connection.objects.get(pk=activities.pk)
    assert after.next_run_at == run.started_at + timedelta(seconds=300)

    _cooldown_passes(monkeypatch, 301)
    from connections.services.scheduling import imports_dispatch_due

    imports_dispatch_due()
    run_tasks()

    assert ImportRun.objects.filter(connection=activities).count() == 2  # one follow-up in all


def test_forged_events_during_an_import_leave_one_follow_up_after_the_gap(
    settings, strava_connected, strava_push, http, run_tasks
):
    settings.UNSIGNED_PUSH_GAP_SECONDS = 300
    during: list[int] = []

    def activities(request):
        if not during:  # more events while the first one's import runs
            during.extend(
                strava_push(_event("event_activity_create")).status_code for _ in range(5)
            )
        return 200, {}, "[]"

    http.add_callback("GET", ACTIVITIES, callback=activities)
    http.add("GET", LATE_URL, status=404)  # no such activity: forged
    strava_push(_event("event_activity_create"))
    run_tasks()

    assert during == [200] * 5
    (run,) = ImportRun.objects.filter(connection=strava_connected["activities"])
    assert run.outcome == ImportRun.Outcome.OK
    after = Connection.objects.get(pk=strava_connected["activities"].pk)
    assert after.next_run_at == run.started_at + timedelta(seconds=300)  # not at once
    assert after.hint_pending_at is None
    reasons = list(WebhookHint.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["queued"] + ["coalesced"] * 5


# Activities uploaded long after they started ----------------------------------------------


@pytest.fixture
def imported_an_hour_ago(strava_connected, run_import, http):
    """The athlete's activities imported (none yet) an hour ago: the cursor is then."""
    _strava_lists(http, [])
    run_import(strava_connected["activities"])
    Connection.objects.filter(pk=strava_connected["activities"].pk).update(
        last_attempt_at=timezone.now() - timedelta(hours=1)
    )
    return strava_connected["activities"]


@pytest.mark.parametrize("started_days_ago", [None, 10])  # the fixture's September, or 10 days
def test_an_activity_uploaded_long_after_it_started_is_read_from_strava_by_its_id(
    logged_in, imported_an_hour_ago, strava_push, http, run_tasks, started_days_ago
):
    detail = fixture_json("strava", "activity_detail_uploaded_late")
    if started_days_ago:
        start = timezone.now() - timedelta(days=started_days_ago)
        detail["start_date"] = f"{start:%Y-%m-%dT%H:%M:%SZ}"
    http.add("GET", LATE_URL, json=detail)

    assert strava_push(_event("event_activity_create")).status_code == 200
    run_tasks()

    late = Activity.objects.get(key=LATE)
    assert (late.name, late.distance_m, late.calories) == ("Lakeside long run", 21097.5, 1402.0)
    assert f"{late.start:%Y-%m-%dT%H:%M:%SZ}" == detail["start_date"]
    assert "Lakeside long run" in page_text(logged_in.get("/data/"))
    assert len(calls_to(http, LATE_URL)) == 1  # from Strava's API, never from the event
    assert Activity.objects.count() == 1
    after = Connection.objects.get(pk=imported_an_hour_ago.pk)
    assert after.records_asked == []  # read: not asked again


def test_a_new_activity_the_import_finds_anyway_costs_no_request_by_id(
    imported_an_hour_ago, strava_push, http, run_tasks
):
    http.remove("GET", ACTIVITIES)
    recent = _activity(int(LATE), timezone.now() - timedelta(hours=2))
    _strava_lists(http, [recent])

    strava_push(_event("event_activity_create"))
    run_tasks()

    assert Activity.objects.get(key=LATE).name == f"Run {LATE}"
    assert calls_to(http, LATE_URL) == []


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404},  # deleted since, or no activity of this athlete's
        {"json": {**fixture_json("strava", "activity_detail_uploaded_late"), "athlete": {"id": 1}}},
    ],
    ids=["not-found", "another-athletes"],
)
def test_a_forged_create_stores_nothing_strava_does_not_give_as_the_athletes_own(
    imported_an_hour_ago, strava_push, http, run_tasks, answer
):
    http.add("GET", LATE_URL, **answer)

    strava_push(_event("event_activity_create"))
    run_tasks()

    assert not Activity.objects.exists()
    run = ImportRun.objects.filter(connection=imported_an_hour_ago).latest("pk")
    assert run.outcome == ImportRun.Outcome.OK
    assert Connection.objects.get(pk=imported_an_hour_ago.pk).records_asked == []


# manage.py strava_webhook ----------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command("strava_webhook", *args, stdout=out)
    return out.getvalue()


def test_create_subscribes_the_callback_with_our_verify_token(settings, strava_app, http):
    settings.SITE_URL = "https://tendon.example.org"
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    http.add("GET", SUBSCRIPTIONS, json=[])
    http.add(
        "POST", SUBSCRIPTIONS, status=201, json=fixture_json("strava", "push_subscription_created")
    )

    output = _run("--create")

    form = query_of("?" + [c for c in http.calls if c.request.method == "POST"][0].request.body)
    assert form == {
        "client_id": "strava-client",
        "client_secret": "strava-secret",
        "callback_url": "https://tendon.example.org/webhooks/strava/",
        "verify_token": VERIFY_TOKEN,
    }
    assert "STRAVA_WEBHOOK_SUBSCRIPTION_ID=120475" in output


def test_create_needs_a_verify_token_first(settings, strava_app, http):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = ""
    http.add("GET", SUBSCRIPTIONS, json=[])

    with pytest.raises(CommandError, match="Set STRAVA_WEBHOOK_VERIFY_TOKEN"):
        _run("--create")


def test_show_and_delete(settings, strava_app, http):
    settings.SITE_URL = "https://tendon.example.org"
    http.add("GET", SUBSCRIPTIONS, json=fixture_json("strava", "push_subscriptions"))
    http.add("DELETE", SUBSCRIPTIONS + "/120475", status=204)

    shown = _run()
    deleted = _run("--delete")

    assert "Subscription 120475: https://tendon.example.org/webhooks/strava/" in shown
    assert "Deleted Strava subscription 120475." in deleted
    delete = [c for c in http.calls if c.request.method == "DELETE"][0]
    assert query_of(delete.request.url)["client_id"] == "strava-client"


def test_after_a_revocation_reconnecting_brings_the_athlete_back(
    logged_in, strava_connected, strava_push, strava_callback, http, run_tasks, run_import
):
    http.add(
        "POST",
        STRAVA["token_url"],
        status=400,
        json=fixture_json("strava", "error_invalid_refresh_token"),
    )
    strava_push(_event("event_athlete_deauthorize"))
    run_tasks()
    http.remove("POST", STRAVA["token_url"])

    strava_callback(logged_in)
    _strava_lists(http, fixture_json("strava", "athlete_activities_page1"))
    run = run_import(strava_connected["activities"])

    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert (run.outcome, run.created_count) == (ImportRun.Outcome.OK, 2)
