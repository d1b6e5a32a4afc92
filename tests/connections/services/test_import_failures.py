"""Every failure classified: transient ones back off and never flag; dead grants flag once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from connections.models import (
    Connection,
    ConnectionEvent,
    Credential,
    ImportRun,
    SetAsideRecord,
)
from connections.selectors import connection_status
from records.models import Activity
from tests.conftest import GOOGLE, fixture_json, page_text

pytestmark = pytest.mark.django_db
EXERCISE = GOOGLE["api_url"] + "/v4/users/me/dataTypes/exercise/dataPoints"
SLEEP = GOOGLE["api_url"] + "/v4/users/me/dataTypes/sleep/dataPoints"


@pytest.fixture
def activities(logged_in, user, google_connect):
    google_connect(logged_in, feeds=["activities", "sleep"])
    return Connection.objects.get(user=user, feed="activities")


def _expire(credential: Credential) -> None:
    Credential.objects.filter(pk=credential.pk).update(expires_at=timezone.now() - timedelta(1))


def _status(connection: Connection):
    return connection_status(connection=Connection.objects.get(pk=connection.pk))


def test_rate_limit_pauses_until_retry_after_and_never_flags(activities, http, run_import):
    http.add("GET", EXERCISE, status=429, headers={"Retry-After": "600"})

    run = run_import(activities)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "rate_limited")
    connection = Connection.objects.get(pk=activities.pk)
    assert timedelta(minutes=9) < connection.paused_until - timezone.now() <= timedelta(minutes=10)
    assert connection.next_run_at >= connection.paused_until
    assert _status(connection).label.startswith("Connected — paused until ")
    assert connection.credential.status == Credential.Status.ACTIVE
    assert connection.events.filter(kind=ConnectionEvent.Kind.RATE_LIMITED).exists()


def test_server_error_backs_off_and_never_flags(activities, http, run_import):
    http.add("GET", EXERCISE, status=503, body="unavailable")

    run = run_import(activities)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "unreachable")
    connection = Connection.objects.get(pk=activities.pk)
    assert connection.next_run_at > timezone.now() + timedelta(minutes=2)
    assert connection.credential.status == Credential.Status.ACTIVE
    assert _status(connection).label == "Connected"


def test_backoff_grows_with_each_failure(activities, http, run_import):
    http.add("GET", EXERCISE, status=503, body="unavailable")
    waits = []
    for _ in range(4):
        run_import(Connection.objects.get(pk=activities.pk))
        waits.append(Connection.objects.get(pk=activities.pk).next_run_at - timezone.now())

    assert waits[3] > waits[0] * 3
    assert waits[3] <= timedelta(minutes=40)


def test_failures_count_once_a_day(activities, http, run_import):
    http.add("GET", EXERCISE, status=502, body="bad gateway")

    for _ in range(3):
        run_import(Connection.objects.get(pk=activities.pk))

    assert Connection.objects.get(pk=activities.pk).failure_days == 1


def test_days_of_nothing_but_failures_show_error_not_reauth(activities, http, run_import):
    http.add("GET", EXERCISE, status=502, body="bad gateway")
    run_import(activities)
    Connection.objects.filter(pk=activities.pk).update(
        failing_since=timezone.now() - timedelta(days=4)
    )

    status = _status(activities)

    assert status.label.startswith("Error: not answering since ")
    since = f"{timezone.now() - timedelta(days=4):%-d %b}"
    assert status.explanation == (
        f"Fitbit & Pixel Watch has not answered since {since}. "
        "We keep trying automatically; nothing for you to do yet."
    )
    assert status.code == "error"


def test_success_after_failures_clears_the_error(activities, http, run_import):
    http.add("GET", EXERCISE, status=502, body="bad gateway")
    run_import(activities)
    http.replace("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))

    run = run_import(Connection.objects.get(pk=activities.pk))

    assert run.outcome == ImportRun.Outcome.OK
    connection = Connection.objects.get(pk=activities.pk)
    assert connection.failing_since is None and connection.last_error_code == ""
    assert Activity.objects.get().distance_m == 7010.0


def test_dead_refresh_token_flags_once_and_emails_once(
    activities, http, run_import, logged_in, django_capture_on_commit_callbacks
):
    _expire(activities.credential)
    http.add(
        "POST", GOOGLE["token_url"], status=400, json=fixture_json("google_health", "invalid_grant")
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = run_import(activities)
        for _ in range(10):
            run_import(Connection.objects.get(pk=activities.pk))

    assert (first.outcome, first.error_code) == (ImportRun.Outcome.FAILED, "needs_reauth")
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reconnect Fitbit & Pixel Watch to keep your data flowing"
    assert "Nothing imported so far is lost" in mail.outbox[0].body
    page = page_text(logged_in.get("/connect/"))
    assert "Fitbit & Pixel Watch needs you to reconnect" in page
    detail = page_text(logged_in.get(f"/connect/{activities.pk}/"))
    assert "Google stopped accepting Tendon's access to Fitbit & Pixel Watch." in detail
    assert "We e-mailed you." in detail
    assert "invalid_grant" not in detail  # the code is for support, not for the person


def test_reconnect_email_has_one_button_and_a_way_to_stop_them(
    activities, http, run_import, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://tendon.example.org"
    _expire(activities.credential)
    http.add(
        "POST", GOOGLE["token_url"], status=400, json=fixture_json("google_health", "invalid_grant")
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_import(activities)

    [(html, mimetype)] = mail.outbox[0].alternatives
    assert mimetype == "text/html"
    assert f'href="https://tendon.example.org/connect/{activities.pk}/"' in html
    assert "Reconnect Fitbit &amp; Pixel Watch</a>" in html
    assert 'href="https://tendon.example.org/accounts/notifications/"' in html


def test_401_that_survives_a_refresh_flags_the_grant(activities, http, run_import):
    http.add("GET", EXERCISE, status=401, json=fixture_json("google_health", "error_401"))
    http.add("POST", GOOGLE["token_url"], json=fixture_json("google_health", "token_refreshed"))

    run = run_import(activities)

    assert run.error_code == "needs_reauth"
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert _status(activities).label == "Needs re-authorization"


def test_401_cured_by_a_refresh_is_not_a_dead_grant(activities, http, run_import):
    http.add("GET", EXERCISE, status=401, json=fixture_json("google_health", "error_401"))
    http.add("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))
    http.add("POST", GOOGLE["token_url"], json=fixture_json("google_health", "token_refreshed"))

    run = run_import(activities)

    assert run.outcome == ImportRun.Outcome.OK
    credential = Credential.objects.get()
    assert credential.status == Credential.Status.ACTIVE
    assert credential.access_token == "ya29.a0-refreshed-access-token"


def test_410_gone_flags_the_grant(activities, http, run_import):
    http.add("GET", EXERCISE, status=410, json={"error": {"code": 410, "status": "GONE"}})

    run = run_import(activities)

    assert run.error_code == "needs_reauth"
    assert "retired" in Credential.objects.get().connections.first().events.first().message


def test_missing_scope_stops_only_that_feed(activities, user, http, run_import):
    sleep = Connection.objects.get(user=user, feed="sleep")
    http.add("GET", SLEEP, status=403, json=fixture_json("google_health", "error_403"))
    http.add("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))

    refused = run_import(sleep)
    imported = run_import(activities)

    assert refused.error_code == "scope_missing"
    assert _status(sleep).label == "Permission missing: sleep"
    assert imported.outcome == ImportRun.Outcome.OK
    assert _status(activities).label == "Connected"
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_a_malformed_data_point_is_set_aside_and_the_rest_of_the_page_stored(
    settings, activities, http, run_import
):
    settings.IMPORT_BACKFILL_DAYS = 5  # one window: the page is served once
    page = fixture_json("google_health", "exercise_page")
    page["dataPoints"].append({"name": "users/x/dataTypes/exercise/dataPoints/2", "exercise": {}})
    http.add("GET", EXERCISE, json=page)

    run = run_import(activities)

    assert (run.outcome, run.created_count, run.skipped_count) == (ImportRun.Outcome.OK, 1, 1)
    assert "interval is missing" in SetAsideRecord.objects.get().reason
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_html_instead_of_json_fails_the_run(activities, http, run_import):
    http.add("GET", EXERCISE, body="<html>Sorry</html>", content_type="text/html")

    run = run_import(activities)

    assert run.error_code == "bad_response"
    assert "not JSON" in run.error_message


def test_lost_refresh_race_is_not_a_dead_grant(activities, http, run_import):
    _expire(activities.credential)
    http.add("GET", EXERCISE, json=fixture_json("google_health", "exercise_page"))

    def another_worker_rotated_first(request):
        credential = Credential.objects.get()
        credential.refresh_token = "rotated-by-the-other-worker"
        credential.access_token = "fresh-from-the-other-worker"
        credential.expires_at = timezone.now() + timedelta(hours=1)
        credential.save()
        return 400, {}, '{"error": "invalid_grant"}'

    http.add_callback("POST", GOOGLE["token_url"], callback=another_worker_rotated_first)

    run = run_import(activities)

    assert run.outcome == ImportRun.Outcome.OK
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    exercise_call = next(c for c in http.calls if "/exercise/" in c.request.url)
    assert exercise_call.request.headers["Authorization"] == "Bearer fresh-from-the-other-worker"


def test_announced_budget_stops_before_it_runs_out(activities, http, run_import):
    http.add(
        "GET",
        EXERCISE,
        json=fixture_json("google_health", "exercise_page"),
        headers={"RateLimit-Remaining": "2", "RateLimit-Reset": "900"},
    )

    run = run_import(activities)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.PARTIAL, "rate_limited")
    assert len([c for c in http.calls if "/exercise/" in c.request.url]) == 1
    paused = Connection.objects.get(pk=activities.pk).paused_until - timezone.now()
    assert timedelta(minutes=14) < paused <= timedelta(minutes=15)


def test_rate_limited_connection_page_says_when_it_resumes(activities, http, run_import, logged_in):
    http.add("GET", EXERCISE, status=429, headers={"Retry-After": "600"})
    run_import(activities)
    resume = timezone.localtime(Connection.objects.get(pk=activities.pk).paused_until)

    page = page_text(logged_in.get(f"/connect/{activities.pk}/"))

    assert f"Google asked us to slow down. Importing resumes at {resume:%H:%M}." in page


def test_failing_connection_page_says_we_retry_on_our_own(activities, http, run_import, logged_in):
    http.add("GET", EXERCISE, status=503, body="unavailable")
    run_import(activities)
    retry = timezone.localtime(Connection.objects.get(pk=activities.pk).next_run_at)

    page = page_text(logged_in.get(f"/connect/{activities.pk}/"))

    assert (
        f"Fitbit & Pixel Watch is not answering. We retry automatically (next try at "
        f"{retry:%H:%M}); nothing for you to do." in page
    )


def test_garbage_from_the_provider_is_explained_on_the_connection_page(
    activities, http, run_import, logged_in
):
    http.add("GET", EXERCISE, body="<html>oops</html>", content_type="text/html")
    run_import(activities)

    page = page_text(logged_in.get(f"/connect/{activities.pk}/"))

    assert "answered with something we could not read, so nothing was stored" in page


def test_user_who_switched_emails_off_still_sees_the_banner_but_gets_no_email(
    activities, user, http, run_import, logged_in, django_capture_on_commit_callbacks
):
    user.notify_by_email = False
    user.save()
    _expire(activities.credential)
    http.add("POST", GOOGLE["token_url"], status=400, json={"error": "invalid_grant"})

    with django_capture_on_commit_callbacks(execute=True):
        run_import(activities)

    assert len(mail.outbox) == 0
    assert "needs you to reconnect" in page_text(logged_in.get("/connect/"))
    assert "We e-mailed you" not in page_text(logged_in.get(f"/connect/{activities.pk}/"))


def test_a_403_for_a_missing_scope_reads_as_permission_missing(activities, http, run_import):
    http.add("GET", EXERCISE, status=403, json=fixture_json("google_health", "error_403"))

    run = run_import(activities)

    assert run.error_code == "scope_missing"
    assert _status(activities).code == "permission_missing"


def test_a_403_for_a_disabled_api_is_the_operators_problem_not_the_persons(
    activities, http, run_import
):
    http.add(
        "GET",
        EXERCISE,
        status=403,
        json=fixture_json("google_health", "error_403_service_disabled"),
    )

    run = run_import(activities)

    assert (run.outcome, run.error_code) == (ImportRun.Outcome.FAILED, "provider_refused")
    assert "SERVICE_DISABLED" in run.error_message  # for support
    assert _status(activities).code == "connected"  # the person has nothing to fix
    assert Credential.objects.get().status == Credential.Status.ACTIVE
    assert set(Credential.objects.get().scopes) >= set(activities.credential.scopes)


def test_a_403_for_a_quota_pauses_the_import(activities, http, run_import):
    http.add(
        "GET", EXERCISE, status=403, json=fixture_json("google_health", "error_403_rate_limit")
    )

    run = run_import(activities)

    assert run.error_code == "rate_limited"
    assert Connection.objects.get(pk=activities.pk).paused_until is not None


def test_the_plain_text_email_is_not_html_escaped(
    activities, http, run_import, django_capture_on_commit_callbacks
):
    Credential.objects.update(account_label="<script>alert(1)</script> & co")
    _expire(activities.credential)
    http.add(
        "POST", GOOGLE["token_url"], status=400, json=fixture_json("google_health", "invalid_grant")
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_import(activities)

    text, (html, _mimetype) = mail.outbox[0].body, mail.outbox[0].alternatives[0]
    assert "Fitbit & Pixel Watch" in text and "&amp;" not in text
    assert "<script>alert(1)</script> & co" in text
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_a_fault_of_tendons_own_reads_as_ours_and_shows_no_internal_text(
    activities, run_import, logged_in
):
    # A row our own code cannot handle (a feed its provider has no reader for): a bug of ours.
    broken = Connection.objects.create(
        user=activities.user,
        provider=activities.provider,
        account_uid=activities.account_uid,
        credential=activities.credential,
        feed="bogus",
    )

    run = run_import(broken)

    assert run.error_code == "internal_error"
    page = page_text(logged_in.get(f"/connect/{broken.pk}/"))
    assert "Something went wrong on Tendon's side" in page
    assert "KeyError" not in page and "bogus'" not in page
    assert "not answering" not in page
    assert "KeyError" in run.error_message  # support still sees the detail
