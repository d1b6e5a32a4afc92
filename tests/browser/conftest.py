"""Browser tests: Playwright driving Debian's Chromium against the live server and a worker."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e.conftest import live_demo, mailbox, worker_factory  # noqa: F401 - shared fixtures

CHROMIUM = "/usr/bin/chromium"


def sign_up(page, base: str, email: str) -> None:
    """Sign up in the browser, confirm the address from the e-mail, and land on Connect."""
    from django.core import mail

    from tests.conftest import PASSWORD

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    page.wait_for_url(f"{base}/accounts/confirm-email/")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    if "/accounts/login/" in page.url:
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name=re.compile("Sign In|Log in", re.I)).click()
    page.goto(f"{base}/connect/")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def page(request, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (CI installs Debian's chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.set_default_timeout(20_000)
        tab = context.new_page()
        violations: list[str] = []
        tab.on(
            "console",
            lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text
            else None,
        )
        yield tab
        outcome = getattr(request.node, "outcome", None)
        if outcome is not None and outcome.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]", "_", request.node.nodeid)
            tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        browser.close()
        assert not violations, f"pages broke their Content-Security-Policy: {violations}"
        # ORM calls made under Playwright's loop got connections of their own: close them, or
        # the test database cannot be dropped at the end of the run.
        connections.close_all()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.outcome = report
    return report
