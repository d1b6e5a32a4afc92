"""A person's whole journey in a real browser, with a real worker importing in the background."""

from __future__ import annotations

import re
import time

import pytest

from connections.models import Connection, ImportRun
from connections.providers.google_health.scopes import SLEEP
from tests.browser.conftest import sign_up
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _wait_for_run(connection_id: int, *, after: int = 0, timeout: float = 60.0) -> ImportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.filter(connection_id=connection_id, pk__gt=after).first()
        if run and run.outcome not in (ImportRun.Outcome.QUEUED, ImportRun.Outcome.RUNNING):
            return run
        time.sleep(0.25)
    raise AssertionError(f"no finished run for connection {connection_id}")


def _sync(page, live_demo, connection: Connection) -> ImportRun:
    last = ImportRun.objects.filter(connection=connection).values_list("pk", flat=True).first() or 0
    page.goto(f"{live_demo}/connect/{connection.pk}/")
    page.get_by_role("button", name="Sync now").click()
    run = _wait_for_run(connection.pk, after=last)
    page.reload()
    return run


def test_sign_up_connect_import_revoke_and_reconnect(page, live_demo, worker_factory, settings):
    settings.SYNC_COOLDOWN_SECONDS = 0  # this person presses Sync now faster than anyone may
    worker_factory()

    # Sign up.
    sign_up(page, live_demo, "runner@example.com")

    # Enable the demo provider: sign in and consent there, unticking sleep.
    page.locator("section[data-provider=demo]").get_by_role("link", name="Enable").click()
    page.get_by_role("button", name="Continue to Demo Health").click()
    page.fill("input[name=email]", "runner@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator(f"input[name=granted][value='{SLEEP}']").uncheck()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{live_demo}/connect/")
    card = page.locator("section[data-provider=demo]")
    assert "Demo Health is connected" in page.content()
    assert "Permission missing: sleep" in card.locator("[data-feed=sleep]").inner_text()
    assert card.locator("[data-card-status]").inner_text() == "Connected"

    # The first import starts by itself; see the data on the connection page and on My data.
    daily = Connection.objects.get(feed="daily")
    assert _wait_for_run(daily.pk).outcome == ImportRun.Outcome.OK
    page.goto(f"{live_demo}/connect/{daily.pk}/")
    history = page.locator("[data-history]").inner_text()
    assert re.search(r"\d+ days( imported|: \d+ new)", history), history
    page.goto(f"{live_demo}/data/")
    heading = page.locator("[data-feed=daily-summary] h2").inner_text()
    assert re.fullmatch(r"Daily summary \(\d+ days\)", heading), heading

    # Revoke the grant on the demo provider's page; the next sync finds out.
    page.goto(f"{live_demo}/sandbox/")
    page.get_by_role("button", name="Revoke the grant").click()
    assert _sync(page, live_demo, daily).error_code == "needs_reauth"
    page.goto(f"{live_demo}/connect/")
    assert "Demo Health needs you to reconnect" in page.locator(".banner").inner_text()
    assert "Needs re-authorization" in page.locator("section[data-provider=demo]").inner_text()

    # Reconnect from the banner; the import resumes by itself.
    last = ImportRun.objects.filter(connection=daily).values_list("pk", flat=True).first()
    page.locator(".banner").get_by_role("button", name="Reconnect").click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{live_demo}/connect/")
    assert page.locator(".banner").count() == 0
    assert "Demo Health is reconnected" in page.content()
    resumed = _wait_for_run(daily.pk, after=last)
    assert resumed.outcome == ImportRun.Outcome.OK
    assert resumed.api_calls < ImportRun.objects.filter(connection=daily).last().api_calls
