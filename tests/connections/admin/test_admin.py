"""Support staff in the admin: health at a glance, actions through the services, no secrets."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Credential, ImportRun
from connections.providers import PROVIDERS
from tests.conftest import element_text, page_text

pytestmark = pytest.mark.django_db
SECRETS = ("secret-access-token", "secret-refresh-token")
SCOPE = "https://www.googleapis.com/auth/googlehealth.sleep.readonly"


@pytest.fixture
def staff(user_factory):
    return user_factory("root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def support(user_factory):
    member = user_factory("support@example.com", is_staff=True)
    member.groups.add(Group.objects.get(name="Support"))
    return member


@pytest.fixture
def connection_factory(user_factory):
    def make(email=None, *, status=Credential.Status.ACTIVE, **fields) -> Connection:
        owner = user_factory(email)
        credential = Credential.objects.create(
            user=owner,
            provider="demo",
            account_uid=f"demo-{owner.pk}",
            account_label=owner.email,
            access_token=SECRETS[0],
            refresh_token=SECRETS[1],
            status=status,
            scopes=[SCOPE],
            expires_at=timezone.now() + timedelta(minutes=30),
        )
        return Connection.objects.create(
            user=owner,
            provider="demo",
            feed="sleep",
            account_uid=credential.account_uid,
            credential=credential,
            **fields,
        )

    return make


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


def _admin_pages(connection) -> list[str]:
    return [
        "/admin/connections/connection/",
        f"/admin/connections/connection/{connection.pk}/change/",
        "/admin/connections/credential/",
        f"/admin/connections/credential/{connection.credential_id}/change/",
        f"/admin/accounts/user/{connection.user_id}/change/",
        "/admin/connections/importrun/",
        "/admin/connections/connectionevent/",
        "/admin/health/",
    ]


def test_no_token_appears_on_any_admin_page(as_staff, connection_factory):
    connection = connection_factory()

    for url in _admin_pages(connection):
        response = as_staff.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not any(secret in html for secret in SECRETS), url


def test_changelist_shows_person_connection_status_and_last_error(as_staff, connection_factory):
    connection_factory(
        "failing@example.com",
        failing_since=timezone.now(),
        last_error_code="unreachable",
        last_error_message="Demo Health failed to answer (status 503).",
    )
    connection_factory("flagged@example.com", status=Credential.Status.NEEDS_REAUTH)

    page = page_text(as_staff.get("/admin/connections/connection/"))

    assert "flagged@example.com Demo Health · Sleep Needs re-authorization" in page
    assert "Demo Health failed to answer (status 503)." in page
    assert "token expires" not in page  # on the connection's own page, not in the list


def test_changelist_gives_a_dead_grants_cause_on_every_feed_of_it(as_staff, connection_factory):
    first = connection_factory(
        "flagged@example.com",
        status=Credential.Status.NEEDS_REAUTH,
        last_error_code="needs_reauth",
        last_error_message="Demo Health refused the grant (invalid_grant).",
    )
    for feed in ("activities", "body", "heart_rate", "daily"):
        Connection.objects.create(
            user=first.user,
            provider="demo",
            feed=feed,
            account_uid=first.account_uid,
            credential=first.credential,
        )

    html = as_staff.get("/admin/connections/connection/").content.decode()

    errors = re.findall(r'<td class="field-short_error">(.*?)</td>', html)
    assert len(errors) == 5
    for error in errors:
        assert "Demo Health stopped accepting our access on" in error, error


def test_removed_connections_have_a_filter_of_their_own(as_staff, connection_factory):
    removed = connection_factory("removed@example.com", enabled=False)
    Connection.objects.filter(pk=removed.pk).update(credential=None)
    connection_factory("off@example.com", enabled=False)

    only_removed = page_text(as_staff.get("/admin/connections/connection/?status=removed"))
    only_disabled = page_text(as_staff.get("/admin/connections/connection/?status=disabled"))

    # Its pill is the person's status word (switched off: Disabled); the filter tells them apart.
    assert "removed@example.com Demo Health · Sleep Disabled" in only_removed
    assert "off@example.com" not in only_removed
    assert "off@example.com Demo Health · Sleep Disabled" in only_disabled
    assert "removed@example.com" not in only_disabled


def test_changelist_leads_to_the_connections_that_are_not_working(as_staff, connection_factory):
    from connections.services.health import health_snapshot_take

    connection_factory("fine@example.com")
    connection_factory("flagged@example.com", status=Credential.Status.NEEDS_REAUTH)
    health_snapshot_take()

    html = as_staff.get("/admin/connections/connection/").content.decode()

    strip = element_text(html, "data-attention")
    assert "Needs re-authorization 1" in strip and "Permission missing 0" in strip
    assert 'href="?status=needs_reauth"' in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=needs_reauth", "flagged@example.com", "fine@example.com"),
        ("status=connected", "fine@example.com", "flagged@example.com"),
        ("failing=24h", "failing@example.com", "fine@example.com"),
        ("q=FINE@example.com", "fine@example.com", "flagged@example.com"),
    ],
    ids=["status_needs_reauth", "status_connected", "failing_24h", "search_email"],
)
def test_filters_and_search(as_staff, connection_factory, query, shown, hidden):
    connection_factory("fine@example.com")
    connection_factory("flagged@example.com", status=Credential.Status.NEEDS_REAUTH)
    connection_factory("failing@example.com", failing_since=timezone.now() - timedelta(days=2))

    page = page_text(as_staff.get(f"/admin/connections/connection/?{query}"))

    assert shown in page and hidden not in page


def test_search_by_connection_id_and_provider_account(as_staff, connection_factory):
    target = connection_factory("target@example.com")
    connection_factory("other@example.com")

    by_id = page_text(as_staff.get(f"/admin/connections/connection/?q={target.pk}"))
    by_account = page_text(as_staff.get(f"/admin/connections/connection/?q={target.account_uid}"))

    assert "target@example.com" in by_id and "other@example.com" not in by_id
    assert "target@example.com" in by_account and "other@example.com" not in by_account


@pytest.mark.parametrize("rows", [10, 1000])
def test_changelist_queries_do_not_grow_with_rows(
    as_staff, connection_factory, user_factory, django_assert_max_num_queries, rows
):
    template = connection_factory()
    users = [user_factory() for _ in range(3)]
    Connection.objects.bulk_create(
        [
            Connection(
                user=users[i % 3],
                provider="demo",
                feed="sleep",
                account_uid=f"bulk-{i}",
                credential=template.credential,
            )
            for i in range(rows - 1)
        ]
    )

    with django_assert_max_num_queries(12):
        response = as_staff.get("/admin/connections/connection/")

    assert response.status_code == 200


def _action(client, action: str, connection, **extra):
    return client.post(
        "/admin/connections/connection/",
        {"action": action, "_selected_action": [connection.pk], **extra},
        follow=True,
    )


def test_disable_action_goes_through_the_service_and_is_logged(as_staff, staff, connection_factory):
    connection = connection_factory()

    _action(as_staff, "disable", connection)

    connection.refresh_from_db()
    assert not connection.enabled
    event = connection.events.get(kind=ConnectionEvent.Kind.DISABLED)
    assert (event.actor, event.actor_kind) == (staff, ConnectionEvent.Actor.STAFF)
    assert LogEntry.objects.filter(object_id=str(connection.pk), user=staff).exists()


def test_import_now_action_queues_a_run(as_staff, staff, connection_factory):
    connection = connection_factory()

    response = _action(as_staff, "import_now", connection)

    assert "import queued" in page_text(response)
    assert ImportRun.objects.filter(connection=connection).count() == 1
    assert connection.events.filter(
        kind=ConnectionEvent.Kind.IMPORT_REQUESTED, actor=staff
    ).exists()


def test_flag_action_first_names_who_is_emailed_and_what_they_read(as_staff, connection_factory):
    connection = connection_factory("owner@example.com")
    before = Credential.objects.get().status

    page = page_text(_action(as_staff, "flag_for_reauthorization", connection))

    assert "owner@example.com" in page
    assert "Our support team asked you to reconnect Demo Health" in page
    assert Credential.objects.get().status == before == Credential.Status.ACTIVE
    assert not connection.events.exists()


def test_flag_action_tells_the_user_support_asked_and_why(
    as_staff, staff, connection_factory, django_capture_on_commit_callbacks, mailoutbox
):
    connection = connection_factory("owner@example.com")
    reason = "we moved Tendon to a new server"

    with django_capture_on_commit_callbacks(execute=True):
        _action(as_staff, "flag_for_reauthorization", connection, apply="1", reason=reason)
        _action(as_staff, "flag_for_reauthorization", connection, apply="1", reason=reason)

    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert [m.to for m in mailoutbox] == [["owner@example.com"]]
    body = mailoutbox[0].body
    assert f"Our support team asked you to reconnect Demo Health: {reason}." in body
    assert "stopped accepting" not in body
    event = connection.events.get(kind=ConnectionEvent.Kind.FLAGGED)
    assert (event.actor, event.actor_kind) == (staff, ConnectionEvent.Actor.STAFF)
    assert reason in event.message


def test_flag_action_needs_a_reason(as_staff, connection_factory):
    connection = connection_factory()

    response = _action(as_staff, "flag_for_reauthorization", connection, apply="1", reason="")

    assert "This field is required." in page_text(response)
    assert Credential.objects.get().status == Credential.Status.ACTIVE


def test_backfill_action_asks_for_a_date_then_resets_the_cursor(as_staff, connection_factory):
    connection = connection_factory(cursor=timezone.now())

    form = _action(as_staff, "reset_cursor", connection)
    done = _action(as_staff, "reset_cursor", connection, apply="1", since="2026-01-15")

    assert "Import everything again from" in page_text(form)
    connection.refresh_from_db()
    assert timezone.localtime(connection.cursor).date().isoformat() == "2026-01-15"
    assert "will import everything again from 15 Jan 2026" in page_text(done)
    assert connection.events.filter(kind=ConnectionEvent.Kind.BACKFILL).exists()


def test_reset_connection_keeps_data_and_cursor_and_asks_the_user(
    as_staff,
    staff,
    connection_factory,
    http,
    django_capture_on_commit_callbacks,
    mailoutbox,
    demo_app,
):
    http.add("POST", "http://testserver/sandbox/o/revoke_token/", status=200)
    cursor = timezone.now().replace(microsecond=0)
    connection = connection_factory("owner@example.com", cursor=cursor)

    with django_capture_on_commit_callbacks(execute=True):
        _action(as_staff, "reset_connection", connection, apply="1", reason="a support test")

    credential = Credential.objects.get(pk=connection.credential_id)
    assert credential.status == Credential.Status.NEEDS_REAUTH
    assert credential.access_token == "" and credential.refresh_token == ""
    connection.refresh_from_db()
    assert connection.cursor == cursor and connection.credential_id == credential.pk
    assert len(mailoutbox) == 1 and "Reconnect" in mailoutbox[0].subject
    assert "Our support team reset this connection" in mailoutbox[0].body


def test_reset_first_asks_for_confirmation_and_changes_nothing(as_staff, connection_factory):
    connection = connection_factory("owner@example.com")
    from tests.conftest import snapshot

    before = snapshot()

    page = page_text(_action(as_staff, "reset_connection", connection))

    assert "owner@example.com" in page and "Our support team reset this connection" in page
    assert snapshot() == before
    assert not connection.events.exists()


def test_reset_is_on_the_timeline_with_the_staff_members_name(
    as_staff, staff, connection_factory, http, demo_app
):
    http.add("POST", "http://testserver/sandbox/o/revoke_token/", status=200)
    connection = connection_factory()

    _action(as_staff, "reset_connection", connection, apply="1", reason="a support test")

    event = connection.events.get(kind=ConnectionEvent.Kind.RESET)
    assert event.actor == staff
    page = page_text(as_staff.get(f"/admin/connections/connection/{connection.pk}/change/"))
    assert "Reset by support" in page and staff.email in page


def test_refresh_action_reports_a_dead_grant(as_staff, connection_factory, http, demo_app):
    http.add(
        "POST", "http://testserver/sandbox/o/token/", status=400, json={"error": "invalid_grant"}
    )
    connection = connection_factory()

    response = _action(as_staff, "refresh_token_now", connection)

    assert "refresh refused" in page_text(response)
    assert Credential.objects.get().status == Credential.Status.NEEDS_REAUTH
    assert connection.events.filter(kind=ConnectionEvent.Kind.REFRESH_FAILED).exists()


def test_support_can_view_and_act_but_not_delete(client, support, connection_factory):
    connection = connection_factory()
    client.force_login(support)

    changelist = client.get("/admin/connections/connection/")
    _action(client, "disable", connection)

    assert changelist.status_code == 200
    assert 'value="delete_selected"' not in changelist.content.decode()
    assert not Connection.objects.get(pk=connection.pk).enabled
    for url in (
        f"/admin/connections/connection/{connection.pk}/delete/",
        f"/admin/connections/credential/{connection.credential_id}/delete/",
        f"/admin/accounts/user/{connection.user_id}/delete/",
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_support_cannot_read_or_change_tokens(client, support, connection_factory):
    connection = connection_factory()
    client.force_login(support)
    url = f"/admin/connections/credential/{connection.credential_id}/change/"

    page = client.get(url)
    client.post(url, {"access_token": "hijacked", "refresh_token": "hijacked"})

    assert not any(secret in page.content.decode() for secret in SECRETS)
    assert Credential.objects.get().access_token == SECRETS[0]


def test_plain_user_cannot_reach_the_admin(client, user):
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/health/").status_code == 302


def test_dashboard_counts_connections_by_status(as_staff, connection_factory):
    connection_factory()
    connection_factory(status=Credential.Status.NEEDS_REAUTH)
    ImportRun.objects.create(
        connection=Connection.objects.first(),
        claim_token="00000000-0000-0000-0000-000000000001",
        outcome=ImportRun.Outcome.FAILED,
        error_code="unreachable",
        finished_at=timezone.now(),
    )

    page = page_text(as_staff.get("/admin/health/"))

    # One column per provider in the registry's order (only the demo's has one), then the total.
    columns = ["1" if provider == "demo" else "0" for provider in PROVIDERS] + ["1"]
    assert f"Needs re-authorization {' '.join(columns)}" in page.replace("  ", " ")
    assert "Provider not answering (network, timeout or 5xx) 1" in page
    assert "Tasks waiting:" in page


def test_permission_missing_filter_finds_a_feed_connected_without_its_scope(
    client, staff, user, demo_connect
):
    from connections.providers.google_health.scopes import ACTIVITY

    client.force_login(user)
    demo_connect(client, person=user, feeds=["activities", "sleep"], granted=[ACTIVITY])
    client.force_login(staff)

    html = client.get("/admin/connections/connection/?status=permission_missing").content.decode()

    sleep = Connection.objects.get(feed="sleep")
    activities = Connection.objects.get(feed="activities")
    assert f"/connection/{sleep.pk}/change/" in html
    assert f"/connection/{activities.pk}/change/" not in html


def test_backfill_with_a_bad_date_changes_nothing(as_staff, connection_factory):
    cursor = timezone.now().replace(microsecond=0)
    connection = connection_factory(cursor=cursor)

    response = _action(as_staff, "reset_cursor", connection, apply="1", since="31/02/2026")

    assert "Enter a valid date." in page_text(response)
    connection.refresh_from_db()
    assert connection.cursor == cursor
    assert not connection.events.filter(kind=ConnectionEvent.Kind.BACKFILL).exists()


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("0001-01-01", "Choose 1 Jan 2008 or later"),
        ("9999-12-31", "Choose today or a day in the past"),
    ],
)
def test_backfill_refuses_dates_no_provider_has_data_for(
    as_staff, connection_factory, since, message
):
    cursor = timezone.now().replace(microsecond=0)
    connection = connection_factory(cursor=cursor)
    connection.provider = "withings"
    connection.save()

    response = _action(as_staff, "reset_cursor", connection, apply="1", since=since)

    assert message in page_text(response)
    connection.refresh_from_db()
    assert connection.cursor == cursor
    assert not connection.events.filter(kind=ConnectionEvent.Kind.BACKFILL).exists()


def test_backfill_stays_within_the_providers_history(as_staff, connection_factory):
    connection = connection_factory()  # the demo keeps a year of data
    two_years_ago = (timezone.localdate() - timedelta(days=730)).isoformat()

    response = _action(as_staff, "reset_cursor", connection, apply="1", since=two_years_ago)

    assert "the provider keeps no data from before that day" in page_text(response)


def test_backfill_proposes_thirty_days_ago(as_staff, connection_factory):
    connection = connection_factory()

    page = _action(as_staff, "reset_cursor", connection).content.decode()

    assert f'value="{timezone.localdate() - timedelta(days=30)}"' in page


def test_backfill_writes_its_dates_as_every_other_page_does(as_staff, connection_factory):
    connection = connection_factory()
    connection.provider = "withings"  # keeps data from 2008 on
    connection.save()

    form = page_text(_action(as_staff, "reset_cursor", connection))
    done = page_text(_action(as_staff, "reset_cursor", connection, apply="1", since="2026-03-05"))

    assert "Between 1 Jan 2008 and today." in form
    assert "will import everything again from 5 Mar 2026" in done


def test_the_backfill_action_has_the_name_of_the_pages_button_and_the_readme(
    as_staff, connection_factory
):
    from pathlib import Path

    connection = connection_factory()
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()

    listing = as_staff.get("/admin/connections/connection/").content.decode()
    page = as_staff.get(f"/admin/connections/connection/{connection.pk}/change/").content.decode()

    assert '<option value="reset_cursor">Backfill from a date…</option>' in listing
    assert 'value="reset_cursor">Backfill from a date…</button>' in page
    assert "**Backfill from a date…**" in readme


@pytest.mark.parametrize("query", ["?status=bogus", "?failing=bogus", "?provider=bogus"])
def test_an_unknown_filter_value_is_ignored_not_a_500(as_staff, connection_factory, query):
    connection_factory("owner@example.com")
    connection_factory("other@example.com", enabled=False)

    response = as_staff.get(f"/admin/connections/connection/{query}")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2  # the whole list, unfiltered
    listing = element_text(response.content.decode(), "result_list")
    assert "owner@example.com" in listing and "other@example.com" in listing


@pytest.mark.parametrize("listing", ["connection", "credential", "importrun"])
def test_an_unknown_provider_filter_lists_everything(as_staff, connection_factory, listing):
    connection = connection_factory("owner@example.com")
    ImportRun.objects.create(
        connection=connection, claim_token=uuid.uuid4(), outcome=ImportRun.Outcome.OK
    )

    response = as_staff.get(f"/admin/connections/{listing}/?provider=bogus")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.fixture
def sleep_record(connection_factory):
    from records.models import SleepSession

    connection = connection_factory("owner@example.com")
    record = SleepSession.objects.create(
        user=connection.user,
        provider="demo",
        account_uid=connection.account_uid,
        key="night-1",
        start="2026-11-20T22:00:00Z",
        end="2026-11-21T06:13:00Z",
        minutes_asleep=433,
    )
    return connection, record


def test_support_sees_counts_and_dates_but_not_health_values(client, support, sleep_record):
    connection, record = sleep_record
    client.force_login(support)

    page = page_text(client.get(f"/admin/connections/connection/{connection.pk}/change/"))
    listing = client.get("/admin/records/sleepsession/")
    single = client.get(f"/admin/records/sleepsession/{record.pk}/change/")

    assert "Records imported: 1 record, the latest dated" in page
    assert "433" not in page
    assert listing.status_code == single.status_code == 403


def test_the_health_data_permission_shows_the_values_and_every_look_is_logged(
    client, support, sleep_record
):
    from records.models import StaffRecordView

    connection, record = sleep_record
    support.groups.add(Group.objects.get(name="Health data viewers"))
    client.force_login(support)

    single = client.get(f"/admin/records/sleepsession/{record.pk}/change/")

    assert "433" in page_text(single)
    look = StaffRecordView.objects.get()
    assert (look.staff, look.subject) == (support, connection.user)
    assert look.what == f"sleep session #{record.pk}"


def test_a_look_at_a_records_list_is_logged_against_each_person_it_showed(
    client, support, sleep_record, connection_factory
):
    from records.models import SleepSession, StaffRecordView

    connection, _record = sleep_record
    other = connection_factory("other@example.com").user
    for night in (2, 3):
        SleepSession.objects.create(
            user=other,
            provider="demo",
            account_uid=f"demo-{other.pk}",
            key=f"night-{night}",
            start=f"2026-11-2{night}T22:00:00Z",
            end=f"2026-11-2{night + 1}T06:00:00Z",
            minutes_asleep=400 + night,
        )
    nobody = connection_factory("nobody@example.com").user  # has no sleep records
    support.groups.add(Group.objects.get(name="Health data viewers"))
    client.force_login(support)

    listing = client.get("/admin/records/sleepsession/?provider=demo")

    assert "433" in page_text(listing) and "402" in page_text(listing)
    looks = {
        (look.subject.email, look.what)
        for look in StaffRecordView.objects.filter(staff=support).select_related("subject")
    }
    assert looks == {
        ("owner@example.com", "sleep sessions list ?provider=demo: 1 of their records shown"),
        ("other@example.com", "sleep sessions list ?provider=demo: 2 of their records shown"),
    }
    assert not StaffRecordView.objects.filter(subject=nobody).exists()


def test_the_connection_page_shows_the_whole_last_error(as_staff, connection_factory):
    message = "Demo Health failed to answer (status 503: upstream connect error or disconnect)."
    connection = connection_factory(last_error_code="unreachable", last_error_message=message)

    page = page_text(as_staff.get(f"/admin/connections/connection/{connection.pk}/change/"))
    listing = page_text(as_staff.get("/admin/connections/connection/"))

    assert message in page
    assert "Demo Health failed to answer (status 503: upstream connect …" in listing


@pytest.mark.parametrize(
    "action, extra, kind",
    [
        ("refresh_token_now", {}, ConnectionEvent.Kind.REFRESHED),
        ("import_now", {}, ConnectionEvent.Kind.IMPORT_REQUESTED),
        ("disable", {}, ConnectionEvent.Kind.DISABLED),
        ("enable", {}, ConnectionEvent.Kind.ENABLED),
        ("flag_for_reauthorization", {"apply": "1", "reason": "a test"}, "flagged"),
        ("reset_cursor", {"apply": "1", "since": "2026-11-01"}, ConnectionEvent.Kind.BACKFILL),
        ("reset_connection", {"apply": "1", "reason": "a test"}, ConnectionEvent.Kind.RESET),
    ],
)
def test_every_staff_action_is_on_the_admin_timeline_with_the_staff_members_name(
    as_staff, staff, connection_factory, http, demo_app, action, extra, kind
):
    if action == "refresh_token_now":
        http.add(
            "POST",
            "http://testserver/sandbox/o/token/",
            json={"access_token": "new-a", "refresh_token": "new-r", "expires_in": 3600},
        )
    if action == "reset_connection":
        http.add("POST", "http://testserver/sandbox/o/revoke_token/", status=200)
    connection = connection_factory(enabled=action != "enable")

    _action(as_staff, action, connection, **extra)

    (event,) = connection.events.filter(actor_kind=ConnectionEvent.Actor.STAFF)
    assert (event.kind, event.actor) == (kind, staff)
    timeline = element_text(
        as_staff.get(f"/admin/connections/connection/{connection.pk}/change/").content.decode(),
        "field-timeline",
    )
    assert event.get_kind_display() in timeline and staff.email in timeline


@pytest.mark.parametrize(
    "action, extra",
    [
        ("refresh_token_now", {}),
        ("flag_for_reauthorization", {"apply": "1", "reason": "a test"}),
        ("reset_connection", {"apply": "1", "reason": "a test"}),
    ],
)
def test_a_grant_action_on_a_removed_connection_says_nothing_was_done(
    as_staff, connection_factory, action, extra
):
    from tests.conftest import snapshot

    connection = connection_factory()
    Connection.objects.filter(pk=connection.pk).update(credential=None)
    before = snapshot()

    page = page_text(_action(as_staff, action, connection, **extra))

    assert "nothing done, it has no grant (the person removed it" in page
    assert snapshot() == before and not connection.events.exists()


def test_the_connection_page_counts_a_daily_feeds_records_in_words(as_staff, connection_factory):
    from tests.records.history import store_days

    connection = connection_factory()
    Connection.objects.filter(pk=connection.pk).update(feed="daily", account_uid="demo-account")
    store_days(connection.user, provider="demo", last=timezone.localdate(), days=12)

    page = page_text(as_staff.get(f"/admin/connections/connection/{connection.pk}/change/"))

    today = timezone.localdate()
    assert f"Records imported: 12 records, the latest dated {today:%-d %b %Y}" in page
