"""Every page a person meets, walked in Chromium at 390 and 1280 px: none scrolls sideways, each
has a proper title, and screenshots of both widths are kept in test-artifacts/pages/. On the
way, the things people stumbled on: one status per card, the fix as the card's one button,
"Allow sleep data" asking only for sleep, and an import shown live as it runs."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from connections.models import Connection, ImportRun
from connections.providers.google_health.scopes import SLEEP
from connections.services.imports import import_run_execute
from tests.browser.walk import look
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

EMAIL = "walker@example.com"


def _sign_up(page, base: str) -> None:
    look(page, "home", f"{base}/")
    look(page, "log-in", f"{base}/accounts/login/")
    look(page, "password-reset", f"{base}/accounts/password/reset/")
    look(page, "password-reset-done", f"{base}/accounts/password/reset/done/")
    look(page, "password-reset-key-done", f"{base}/accounts/password/reset/key/done/")
    look(page, "sign-up", f"{base}/accounts/signup/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD + "!")
    page.get_by_role("button", name="Sign up").click()
    # The error sits under the field it is about.
    error = page.locator(".field.has-error")
    error.wait_for()
    assert error.locator("input[name=password2]").count() == 1
    assert "same password" in error.locator(".errorlist").inner_text()
    look(page, "sign-up-error")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/accounts/confirm-email/")
    look(page, "confirm-email-sent")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    look(page, "confirm-email", link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/connect/")


def _feed_rows_read_alike_on_a_phone(page) -> None:
    """At 390 px every feed row of every card is laid out the same way: the name, its own
    status (if any) beside it on that line, and when it last imported on the line below."""
    page.set_viewport_size({"width": 390, "height": 900})
    for row in page.locator("section.card li.feed").all():
        name = row.locator(".name").bounding_box()
        when = row.locator(".when").bounding_box()
        assert abs(when["x"] - name["x"]) <= 1 and when["y"] >= name["y"] + name["height"] - 1, (
            f"{row.inner_text()!r}: 'when' is not on its own line under the name"
        )
        for pill in row.locator(".pill").all():
            box = pill.bounding_box()
            middle = box["y"] + box["height"] / 2
            assert name["y"] <= middle <= name["y"] + name["height"], (
                f"{row.inner_text()!r}: its status is not on the name's line"
            )


def _consent(page, base: str, *, untick: str | None = None, sign_in: bool = False) -> None:
    if sign_in:
        look(page, "demo-sign-in", title=r".*Demo Health")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    look(page, "demo-consent" if sign_in else "demo-consent-incremental", title=r".*Demo Health")
    if untick:
        page.locator(f"input[name=granted][value='{untick}']").uncheck()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{base}/connect/")


def test_every_page_a_person_meets_reads_on_a_phone_and_a_desktop(page, live_demo, settings):
    settings.SYNC_COOLDOWN_SECONDS = 0
    base = live_demo
    look(page, "not-found", f"{base}/no/such/page/")
    _sign_up(page, base)
    look(page, "connect-empty", f"{base}/connect/")

    # Enable the demo provider with sleep unticked on its consent page.
    page.locator("section[data-provider=demo]").get_by_role("link", name="Enable").click()
    look(page, "enable")
    page.get_by_role("button", name="Continue to Demo Health").click()
    _consent(page, base, untick=SLEEP, sign_in=True)
    card = page.locator("section[data-provider=demo]")
    assert card.locator("[data-card-status]").inner_text() == "Connected"
    assert "Permission missing: sleep" in card.locator("[data-feed=sleep]").inner_text()
    assert card.locator(".primary").inner_text() == "Allow sleep data"
    look(page, "connect-permission-missing")
    _feed_rows_read_alike_on_a_phone(page)
    look(page, "provider-permission-missing", f"{base}/connect/demo/")
    _feed_rows_read_alike_on_a_phone(page)

    # Sync now: the connection page says it is queued, then shows the run once it ran,
    # without anyone reloading it.
    daily = Connection.objects.get(feed="daily")
    page.goto(f"{base}/connect/{daily.pk}/")
    page.get_by_role("button", name="Sync now").click()
    page.locator("[data-progress-url][data-state=queued]").wait_for()
    assert page.locator("[data-progress-url]").inner_text().startswith("Queued")
    assert "0 · 0" not in page.locator("[data-history]").inner_text()
    look(page, "connection-queued")
    import_run_execute(run=ImportRun.objects.get(connection=daily, outcome="queued"))
    history = page.locator("[data-history] li").first
    history.filter(has_text=re.compile(r"\d+ days imported")).wait_for(timeout=15_000)
    look(page, "connection")

    look(page, "provider", f"{base}/connect/demo/")
    # "Allow sleep data" asks only for sleep, as Google does with include_granted_scopes.
    page.goto(f"{base}/connect/")
    page.locator("section[data-provider=demo]").get_by_role("link", name="Allow sleep data").click()
    # The Enable page says so too: it lists sleep alone, the other feeds as already allowed.
    asked = page.locator("[data-asks] li:visible")
    assert asked.all_inner_texts() == ["Sleep — to import your sleep sessions and stages"]
    assert page.locator("[data-allowed]").count() == 4
    assert page.locator("input[name=feeds]").count() == 1
    page.locator("input[name=feeds][value=sleep]").uncheck()
    assert asked.count() == 0  # the list follows the ticks
    page.locator("input[name=feeds][value=sleep]").check()
    assert asked.count() == 1
    look(page, "enable-sleep-only")
    page.get_by_role("button", name="Continue to Demo Health").click()
    offered = page.locator("input[name=granted]")
    offered.first.wait_for()
    assert offered.count() == 1 and offered.get_attribute("value") == SLEEP
    _consent(page, base)
    card = page.locator("section[data-provider=demo]")
    assert "Permission missing" not in card.inner_text()
    assert card.locator(".primary").count() == 0  # all is well: no primary button
    assert re.search(r"Importing every \d+ minutes · ", card.locator("[data-summary]").inner_text())
    look(page, "connect")
    _feed_rows_read_alike_on_a_phone(page)

    for name, path in [
        ("remove", f"/connect/{daily.pk}/remove/"),
        ("settings", "/accounts/notifications/"),
        ("e-mail-addresses", "/accounts/email/"),
        ("password-change", "/accounts/password/change/"),
        ("delete-account", "/accounts/delete/"),
        ("my-data", "/data/"),
        ("demo-grants", "/sandbox/"),
    ]:
        look(page, name, base + path, title=r".*(Tendon|Demo Health)")

    # Revoke at the provider: the card says it once, with Reconnect as its one button.
    page.goto(f"{base}/sandbox/")
    page.get_by_role("button", name="Revoke the grant").click()
    page.get_by_text("Revoked every grant you gave").wait_for()
    import_run_execute(run=_queued(daily))
    page.goto(f"{base}/connect/")
    card = page.locator("section[data-provider=demo]")
    assert card.inner_text().count("Needs re-authorization") == 1
    assert card.locator("[data-summary]").inner_text().startswith("Needs you to reconnect — ")
    assert card.locator(".primary").inner_text() == "Reconnect"
    look(page, "connect-needs-reconnect")
    look(page, "connection-needs-reconnect", f"{base}/connect/{daily.pk}/")
    text = page.locator("main").inner_text()
    for code in ("invalid_grant", "needs_reauth", "scope_missing", "Flagged for"):
        assert code not in text
    look(page, "log-out", f"{base}/accounts/logout/")
    page.goto(f"{base}/accounts/password/reset/")
    page.fill("input[name=email]", EMAIL)
    page.get_by_role("button", name="E-mail me a link").click()
    page.wait_for_url(f"{base}/accounts/password/reset/done/")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body)
    look(page, "password-reset-new-password", link.group(0))
    assert page.locator("input[name=password1]").count() == 1

    # A reader whose zone changed (travelling) sees their own clock on the first page.
    travelling = page.context.browser.new_context(timezone_id="Pacific/Auckland")
    travelling.add_cookies(page.context.cookies() + [
        {"name": "tz", "value": "Europe/Paris", "url": base}
    ])
    away = travelling.new_page()
    away.goto(f"{base}/connect/{daily.pk}/")
    away.wait_for_function("document.querySelector('meta[name=tendon-time-zone]')"
                           ".content === 'Pacific/Auckland'")
    assert re.search(r"Imported up to .+ NZDT\.", away.locator("main").inner_text())
    travelling.close()


def _queued(connection) -> ImportRun:
    from connections.services.scheduling import connection_import_now

    return connection_import_now(connection=connection)
