"""Push in a real browser: 'Add a workout now' at the demo provider shows on My data in seconds,
with no Sync now and no schedule: the demo pushes, the portal claims, the worker imports."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import sign_up
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_add_a_workout_now_shows_on_my_data_within_seconds(page, live_demo, worker_factory):
    worker_factory()
    sign_up(page, live_demo, "walker@example.com")
    page.locator("section[data-provider=demo]").get_by_role("link", name="Enable").click()
    page.get_by_role("button", name="Continue to Demo Health").click()
    page.fill("input[name=email]", "walker@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{live_demo}/connect/")

    page.goto(f"{live_demo}/sandbox/")
    page.get_by_role("button", name="Add a workout now").click()
    assert "Demo Health told Tendon" in page.locator("ul.messages").inner_text()
    pressed = time.monotonic()

    activities = page.locator("[data-feed=activities]")
    while True:
        page.goto(f"{live_demo}/data/")
        if "Quick run" in activities.inner_text():
            break
        assert time.monotonic() - pressed < 45, "the workout did not arrive"
        time.sleep(0.5)
    assert "Demo Health" in activities.locator("tr", has_text="Quick run").inner_text()
