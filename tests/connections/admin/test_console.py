"""The support console at a glance: every connection that is not working counted, in the
person's words; two charts; counts the worker keeps, so the pages cost the same at any size."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun, RunTally, StatusSnapshot
from connections.services.health import health_refresh, health_snapshot_take, run_tallies_refresh
from tests.conftest import element_text, page_text

pytestmark = pytest.mark.django_db
SLEEP = "https://www.googleapis.com/auth/googlehealth.sleep.readonly"


@pytest.fixture
def make(user_factory):
    def connection(status=Credential.Status.ACTIVE, *, scopes=(SLEEP,), **fields) -> Connection:
        owner = user_factory()
        credential = Credential.objects.create(
            user=owner,
            provider="demo",
            account_uid=f"demo-{owner.pk}",
            account_label=owner.email,
            status=status,
            scopes=list(scopes),
            access_token="a",
            refresh_token="r",
            expires_at=timezone.now() + timedelta(hours=3),
        )
        return Connection.objects.create(
            user=owner,
            provider="demo",
            feed="sleep",
            account_uid=credential.account_uid,
            credential=credential,
            **fields,
        )

    return connection


@pytest.fixture
def every_state(make):
    """One connection in each state that is not working, and two that work."""
    now = timezone.now()
    return {
        "fine": [make(), make()],
        "needs_reauth": make(Credential.Status.NEEDS_REAUTH),
        "permission_missing": make(scopes=(), last_error_code="scope_missing"),
        "error": make(failing_since=now - timedelta(days=4), last_error_code="unreachable"),
        "retrying": make(failing_since=now - timedelta(hours=2), last_error_code="unreachable"),
    }


@pytest.fixture
def as_staff(client, user_factory):
    client.force_login(user_factory("root@example.com", is_staff=True, is_superuser=True))
    return client


def _failed_run(connection, code: str, *, hours_ago: float = 1) -> ImportRun:
    finished = timezone.now() - timedelta(hours=hours_ago)
    return ImportRun.objects.create(
        connection=connection,
        claim_token="00000000-0000-0000-0000-000000000001",
        outcome=ImportRun.Outcome.FAILED,
        error_code=code,
        queued_at=finished,
        finished_at=finished,
    )


def test_failing_now_counts_every_connection_that_is_not_working(as_staff, every_state):
    health_refresh()

    html = as_staff.get("/admin/health/").content.decode()

    failing = element_text(html, "data-failing")
    assert "4 connections not working" in failing
    for words in ("Needs re-authorization 1", "Error 1", "Permission missing 1", "Retrying 1"):
        assert words in failing, words
    assert "Every connection is working" not in failing


def test_failing_now_never_says_all_is_well_next_to_connections_needing_reauthorization(
    as_staff, make
):
    for _ in range(5):
        make(Credential.Status.NEEDS_REAUTH)
    health_refresh()

    failing = element_text(as_staff.get("/admin/health/").content.decode(), "data-failing")

    assert "5 connections not working" in failing and "working." not in failing


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ("needs_reauth", "Needs re-authorization"),
        ("permission_missing", "Permission missing: sleep"),
        ("error", "Error: not answering since"),
        ("retrying", "retrying"),
    ],
)
def test_the_connection_page_says_since_when_it_is_not_working_as_the_dashboard_counts_it(
    as_staff, every_state, state, says
):
    connection = every_state[state]
    health_refresh()

    page = page_text(as_staff.get(f"/admin/connections/connection/{connection.pk}/change/"))
    failing = element_text(as_staff.get("/admin/health/").content.decode(), "data-failing")

    assert f"#{connection.pk}" in failing  # the dashboard lists it as not working
    assert "not failing" not in page
    line = re.search(r"Not working since: (.+?) Last error:", page).group(1)
    assert re.fullmatch(rf"\d+ \w+ \d\d:\d\d \([^)]+\) ?: {says}.*", line), line


def test_the_connection_page_of_a_working_connection_says_it_works(as_staff, every_state):
    page = page_text(
        as_staff.get(f"/admin/connections/connection/{every_state['fine'][0].pk}/change/")
    )

    assert "Not working since: working" in page


def test_failing_now_gives_a_dead_grants_cause_on_each_of_its_feeds(as_staff, make):
    sleep = make(
        Credential.Status.NEEDS_REAUTH,
        last_error_code="needs_reauth",
        last_error_message="Demo Health refused the grant (invalid_grant).",
    )
    Connection.objects.create(
        user=sleep.user,
        provider="demo",
        feed="body",
        account_uid=sleep.account_uid,
        credential=sleep.credential,
    )
    health_refresh()

    failing = element_text(as_staff.get("/admin/health/").content.decode(), "data-failing")

    assert failing.count("Demo Health stopped accepting our access on") == 2
    assert "—" not in failing


def test_the_dashboard_uses_the_persons_pill_words_and_colours(as_staff, every_state):
    health_refresh()

    html = as_staff.get("/admin/health/").content.decode()

    grid = html[html.index("data-grid") :]
    red, amber = "background:#fce8e6;color:#c5221f;", "background:#fef7e0;color:#b06000;"
    assert re.search(rf'style="{red}[^"]*">Needs re-authorization<', grid)
    assert re.search(rf'style="{amber}[^"]*">Permission missing<', grid)
    assert "needs_reauth<" not in html and "scope_missing<" not in html


def test_errors_are_grouped_by_what_went_wrong_in_words(as_staff, every_state):
    for code in ("unreachable", "unreachable", "needs_reauth"):
        _failed_run(every_state["error"], code)
    health_refresh()

    errors = element_text(as_staff.get("/admin/health/").content.decode(), "data-errors")

    assert "Provider not answering (network, timeout or 5xx) 2" in errors
    assert "Needs re-authorization: the grant stopped working 1" in errors


def test_the_dashboard_draws_runs_per_hour_and_statuses_per_day(as_staff, every_state):
    _failed_run(every_state["error"], "unreachable", hours_ago=30)
    _failed_run(every_state["error"], "unreachable", hours_ago=60)  # outside the 48 hours
    StatusSnapshot.objects.create(
        day=timezone.localdate() - timedelta(days=3),
        taken_at=timezone.now() - timedelta(days=3),
        counts={"demo": {"connected": 9}},
    )
    health_refresh()

    html = as_staff.get("/admin/health/").content.decode()

    runs = html[html.index('data-chart="runs"') :]
    statuses = html[html.index('data-chart="statuses"') :]
    assert '<svg class="chart"' in runs and "1 runs finished; 0 imported" in runs
    connected = re.search(r'<path class="bar tone-ok" d="([^"]+)">', statuses).group(1)
    assert connected.count("M") == 2  # today's bar and the one three days ago


def _axis(svg: str) -> tuple[list[str], list[float]]:
    """A chart's grid labels (up the left) and the positions of its labels across, in %."""
    up = re.findall(r'<text class="axis" x="0" y="[\d.]+">([^<]+)</text>', svg)
    across = re.findall(r'<text class="axis" x="([\d.]+)%" y="\d+" text-anchor', svg)
    return up, [float(x) for x in across]


def test_the_dashboards_charts_count_in_whole_steps_and_label_evenly(as_staff, every_state):
    for day in range(1, 14):
        StatusSnapshot.objects.create(
            day=timezone.localdate() - timedelta(days=day),
            taken_at=timezone.now() - timedelta(days=day),
            counts={"demo": {"connected": 10}},
        )
    for hour in range(30):
        _failed_run(every_state["error"], "unreachable", hours_ago=hour + 0.5)
    health_refresh()

    html = as_staff.get("/admin/health/").content.decode()

    for chart in ("statuses", "runs"):
        svg = html[html.index(f'data-chart="{chart}"') :]
        svg = svg[: svg.index("<figcaption")]
        up, across = _axis(svg)
        values = [int(label) for label in up]  # whole numbers only, never "2" for 2.5
        steps = {b - a for a, b in pairwise(values)}
        assert len(steps) == 1 and values[0] == 0, (chart, up)
        gaps = {round(b - a, 1) for a, b in pairwise(across)}
        assert len(across) >= 4 and len(gaps) == 1, (chart, across)
    statuses = html[html.index('data-chart="statuses"') :]
    today = timezone.localdate()
    assert f">{today.day} {today:%b}</text>" in statuses  # "1 Dec", as every other page


def test_the_worker_keeps_one_snapshot_a_day_and_counts_it_again_during_the_day(every_state):
    first = health_snapshot_take()
    Connection.objects.filter(pk=every_state["fine"][0].pk).update(enabled=False)

    again = health_snapshot_take()

    assert StatusSnapshot.objects.count() == 1 and again.pk == first.pk
    assert again.counts["demo"]["disabled"] == 1
    assert again.counts["demo"]["connected"] == first.counts["demo"]["connected"] - 1


def test_run_tallies_count_again_the_last_hours_only_once(every_state):
    _failed_run(every_state["error"], "unreachable")

    run_tallies_refresh()
    run_tallies_refresh()

    assert [(t.outcome, t.error_code, t.count) for t in RunTally.objects.all()] == [
        ("failed", "unreachable", 1)
    ]


def test_the_dashboard_costs_the_same_with_ten_times_the_connections(
    as_staff, make, django_assert_max_num_queries
):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        health_refresh()
        with CaptureQueriesContext(connection) as captured:
            assert as_staff.get("/admin/health/").status_code == 200
        return len(captured)

    for _ in range(3):
        make(Credential.Status.NEEDS_REAUTH)
    few = queries()
    for _ in range(30):
        make(Credential.Status.NEEDS_REAUTH)
        make()
    health_refresh()

    with django_assert_max_num_queries(few):
        as_staff.get("/admin/health/")


@pytest.mark.parametrize("kind", ["email", "account", "id"])
def test_exact_searches_find_one_connection_in_a_fixed_number_of_queries(
    as_staff, make, django_assert_max_num_queries, kind
):
    connections = [make() for _ in range(20)]
    target = connections[7]
    term = {
        "email": target.user.email.upper(),
        "account": target.account_uid,
        "id": str(target.pk),
    }[kind]

    with django_assert_max_num_queries(12):
        response = as_staff.get("/admin/connections/connection/", {"q": term})

    html = response.content.decode()
    assert f"/connection/{target.pk}/change/" in html
    assert html.count('class="action-select"') == 1


def test_a_403_inside_the_admin_looks_like_the_admin(client, user_factory, make):
    member = user_factory("support@example.com", is_staff=True)
    member.groups.add(Group.objects.get(name="Support"))
    person = make().user
    client.force_login(member)

    response = client.get(f"/admin/accounts/user/{person.pk}/delete/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "data-admin-403" in html and "Tendon support" in html
    assert "Go to My Account" not in html


def test_a_support_member_is_not_offered_a_password_reset(client, user_factory, make):
    member = user_factory("support@example.com", is_staff=True)
    member.groups.add(Group.objects.get(name="Support"))
    person = make().user
    client.force_login(member)

    html = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()

    assert person.email in html
    assert "/password/" not in html.replace("/admin/password_change/", "")


def test_the_credential_page_names_the_provider_and_the_permissions(as_staff, make):
    connection = make()
    credential = connection.credential
    credential.scopes = [SLEEP, "openid"]
    credential.save()

    page = page_text(as_staff.get(f"/admin/connections/credential/{credential.pk}/change/"))

    assert "Provider: Demo Health" in page
    assert "Permissions granted: Sleep (and sign-in scopes: openid)" in page
    assert SLEEP not in page


def test_the_backfill_form_names_the_connection_offers_cancel_and_says_how_much(as_staff, make):
    connection = make(cursor=timezone.now())

    response = as_staff.post(
        "/admin/connections/connection/",
        {"action": "reset_cursor", "_selected_action": [connection.pk]},
    )

    html = response.content.decode()
    crumbs = element_text(html, 'class="breadcrumbs"')
    assert str(connection) in crumbs and crumbs.endswith("Backfill")
    assert re.search(r'<a class="button cancel-link" href="[^"]+">Cancel</a>', html)
    assert "that is 30 days" in element_text(html, "data-how-much")


def test_the_credential_page_writes_times_on_the_24_hour_clock(as_staff, make, settings):
    settings.TIME_ZONE = "UTC"
    credential = make().credential
    Credential.objects.filter(pk=credential.pk).update(
        status_changed_at=timezone.now().replace(year=2026, month=5, day=3, hour=18, minute=19)
    )

    page = page_text(as_staff.get(f"/admin/connections/credential/{credential.pk}/change/"))

    assert "3 May 2026, 18:19" in page
    assert "p.m." not in page and "a.m." not in page


@pytest.mark.parametrize(
    "path, title",
    [
        ("/admin/", "Connections, people and their data · Tendon"),
        ("/admin/health/", "Connection health · Tendon"),
        ("/admin/connections/connection/", "Connections · Tendon"),
        ("/admin/accounts/user/", "Users · Tendon"),
    ],
)
def test_console_pages_are_titled_page_then_tendon(as_staff, make, path, title):
    make()

    html = as_staff.get(path).content.decode()

    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == title


def test_a_connections_console_page_is_titled_by_the_connection(as_staff, make):
    connection = make()

    html = as_staff.get(f"/admin/connections/connection/{connection.pk}/change/").content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert title == f"{connection} · View connection · Tendon".replace("&", "&amp;")


def test_the_console_log_in_page_is_titled_log_in_then_tendon(client):
    html = client.get("/admin/login/").content.decode()

    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == "Log in · Tendon"


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/admin/connections/connection/", "Connections"),
        ("/admin/connections/importrun/", "Import runs"),
        ("/admin/accounts/user/", "Users"),
    ],
)
def test_console_lists_are_headed_by_what_they_list(as_staff, make, path, heading):
    make()

    html = as_staff.get(path).content.decode()

    assert re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip() == heading
    assert "to view</h1>" not in html and "to change</h1>" not in html
