"""Browser tests: Playwright driving Debian's Chromium against the live server and a worker."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e.conftest import live_demo, mailbox, worker_factory  # noqa: F401 - shared fixtures

CHROMIUM = "/usr/bin/chromium"
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
