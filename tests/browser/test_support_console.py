"""The support console walked in Chromium at 390 and 1280 px, as an administrator and as a
member of the Support group: no page scrolls sideways, screenshots of each are kept in
test-artifacts/pages/, and a Support member meets neither dead links nor the end-user 403."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from connections.models import Connection, Credential, ImportRun, StatusSnapshot
from connections.services.health import health_refresh
from tests.browser.walk import look
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ADMIN = r".+ · Tendon"
# Where each cell's text breaks onto a new line: the character each new line starts with.
LINE_STARTS = """cell => {
  const starts = [];
  let top = null;
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      if (!node.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (top !== null && rect.top > top + 2) starts.push(node.data[i]);
      top = rect.top;
    }
  }
  return starts;
}"""
SCOPES = [
    "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
]


def _people(user_factory) -> list[Connection]:
    """A few people in every state support meets, with two days of import runs."""
    now = timezone.now()
    connections = []
    states = [
        ("fine", Credential.Status.ACTIVE, {}),
        ("revoked", Credential.Status.NEEDS_REAUTH, {}),
        ("missing", Credential.Status.ACTIVE, {}),
        (
            "failing",
            Credential.Status.ACTIVE,
            {
                "failing_since": now - timedelta(days=4),
                "last_error_code": "unreachable",
                "last_error_message": "Demo Health failed to answer (status 503: "
                "upstream connect error or disconnect/reset before headers).",
            },
        ),
    ]
    for name, status, fields in states:
        person = user_factory(f"{name}.person.with.a.long.address@example.com")
        credential = Credential.objects.create(
            user=person,
            provider="demo",
            account_uid=f"demo-{person.pk}",
            account_label=person.email,
            access_token="a",
            refresh_token="r",
            status=status,
            scopes=SCOPES[1:] if name == "missing" else SCOPES,
            expires_at=now + timedelta(minutes=40),
        )
        for feed in ("activities", "sleep"):
            missing = name == "missing" and feed == "sleep"
            connections.append(
                Connection.objects.create(
                    user=person,
                    provider="demo",
                    feed=feed,
                    account_uid=credential.account_uid,
                    credential=credential,
                    last_success_at=now - timedelta(hours=1),
                    **({"last_error_code": "scope_missing"} if missing else fields),
                )
            )
    runs = []
    for hour in range(48):
        # Fewer than a list's page (the list's screenshot stays small), enough for the chart.
        trouble = ["failed" if hour % 5 else "partial"] if hour % 3 == 0 else []
        outcomes = ["ok"] * (1 + hour % 2) + trouble
        for i, outcome in enumerate(outcomes):
            finished = now - timedelta(hours=hour, minutes=i)
            runs.append(
                ImportRun(
                    connection=connections[i],
                    claim_token=f"00000000-0000-0000-0000-00000000000{i}",
                    outcome=outcome,
                    queued_at=finished,
                    started_at=finished,
                    finished_at=finished,
                    created_count=3,
                    error_code="unreachable" if outcome == "failed" else "",
                )
            )
    ImportRun.objects.bulk_create(runs)
    for day in range(1, 14):  # the days before: what the worker counted then
        StatusSnapshot.objects.create(
            day=timezone.localdate(now) - timedelta(days=day),
            taken_at=now - timedelta(days=day),
            counts={"demo": {"connected": 3 + day % 3, "needs_reauth": day % 4, "error": 1}},
        )
    health_refresh(now=now)
    return connections


def _support_group() -> Group:
    """The Support group, made again from its migrations' lists when an earlier transactional
    test's flush took it with the rest of the data."""
    from importlib import import_module

    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name="Support")
    if created:
        first = import_module("connections.migrations.0002_support_group")
        least = import_module("connections.migrations.0006_support_least_privilege")
        views = [
            (app, model) for app, model in first.VIEW if app != "records"
        ] + least.SUPPORT_GAINS
        permissions = Permission.objects.filter(codename=first.OPERATE[1])
        for app, model in views:
            permissions |= Permission.objects.filter(
                content_type__app_label=app, codename=f"view_{model}"
            )
        group.permissions.set(permissions)
    return group


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}/admin/")


def test_the_support_console_reads_on_a_phone_and_a_desktop(page, live_server, user_factory):
    base = live_server.url
    connections = _people(user_factory)
    failing = connections[6]
    user_factory("root@example.com", is_staff=True, is_superuser=True)
    support = user_factory("support@example.com", is_staff=True)
    support.groups.add(_support_group())

    look(page, "admin-log-in", f"{base}/admin/login/", title=ADMIN)
    _log_in(page, base, "root@example.com")
    look(page, "admin-index", title=ADMIN)
    look(page, "admin-health", f"{base}/admin/health/", title=ADMIN)
    assert "5 connections not working" in page.locator("[data-failing]").inner_text()
    assert page.locator("[data-chart=runs] svg.chart").count() == 1
    assert page.locator("[data-chart=statuses] svg.chart").count() == 1
    look(page, "admin-connections", f"{base}/admin/connections/connection/", title=ADMIN)
    # At 1280 px an address breaks, if at all, before its "@", never in the middle of a word;
    # the count of what is not working reads as one sentence.
    page.set_viewport_size({"width": 1280, "height": 900})
    for cell in page.locator("#result_list td.field-user_email").all():
        assert set(cell.evaluate(LINE_STARTS)) <= {"@"}, cell.inner_text()
    assert not re.search(r"\s:", page.locator("[data-attention]").inner_text())
    for name, path in [
        ("admin-connection", f"/admin/connections/connection/{failing.pk}/change/"),
        ("admin-credentials", "/admin/connections/credential/"),
        ("admin-credential", f"/admin/connections/credential/{failing.credential_id}/change/"),
        ("admin-runs", "/admin/connections/importrun/"),
        ("admin-events", "/admin/connections/connectionevent/"),
        ("admin-people", "/admin/accounts/user/"),
        ("admin-person", f"/admin/accounts/user/{failing.user_id}/change/"),
        ("admin-revocations", "/admin/connections/revocation/"),
        ("admin-set-aside", "/admin/connections/setasiderecord/"),
        ("admin-push-log", "/admin/connections/webhookhint/"),
        ("admin-sleep-records", "/admin/records/sleepsession/"),
    ]:
        look(page, name, base + path, title=ADMIN)
    page.goto(f"{base}/admin/connections/connection/{failing.pk}/change/")
    page.get_by_role("button", name="Backfill from a date…").click()
    page.locator("[data-how-much]").wait_for()
    look(page, "admin-backfill", title=ADMIN)
    for button, name in [("Flag for re-authorization", "flag"), ("Reset connection", "reset")]:
        page.get_by_role("link", name="Cancel").click()
        page.get_by_role("button", name=button).click()
        page.get_by_text("Who is e-mailed, and what they read").wait_for()
        look(page, f"admin-{name}", title=ADMIN)

    # A Support member: no link to what they may not do, and the admin's own 403.
    page.context.clear_cookies()
    _log_in(page, base, "support@example.com")
    person = f"{base}/admin/accounts/user/{failing.user_id}"
    look(page, "support-person", f"{person}/change/", title=ADMIN)
    assert page.locator("a[href$='/password/']").filter(has_text="Reset password").count() == 0
    look(page, "support-403", f"{person}/delete/", title=ADMIN)
    assert page.locator("[data-admin-403]").count() == 1
