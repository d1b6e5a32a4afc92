"""Spacing a person notices on a phone and a desktop: a panel's text starts at its padding (no
blank line above it), and on the Enable page Cancel stands apart from its Continue button and
"What … will ask you" from the line of the last feed above it."""

from __future__ import annotations

import pytest

from tests.browser.walk import WIDTHS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _gap_above_first_line(page, selector: str) -> float:
    return page.evaluate(
        """(selector) => {
            const panel = document.querySelector(selector);
            const first = panel.firstElementChild;
            const padding = parseFloat(getComputedStyle(panel).paddingTop);
            return first.getBoundingClientRect().top - panel.getBoundingClientRect().top - padding;
        }""",
        selector,
    )


@pytest.mark.parametrize(
    "path",
    ["/accounts/password/reset/done/", "/accounts/password/reset/key/done/"],
)
def test_a_panels_first_line_starts_at_its_padding(page, live_server, path):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + path)

        assert _gap_above_first_line(page, "main .panel") <= 1.5, f"{path} at {width} px"


def _log_in_with_the_demo(page, live_server, user_factory) -> None:
    from django.core.management import call_command

    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", base_urls=[live_server.url], stdout=quiet)
    person = user_factory("walker@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{live_server.url}/connect/")


def test_the_enable_pages_cancel_stands_apart_from_continue(page, live_server, user_factory):
    _log_in_with_the_demo(page, live_server, user_factory)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/connect/demo/enable/")
        go = page.get_by_role("button", name="Continue to Demo Health").bounding_box()
        cancel = page.get_by_role("link", name="Cancel").bounding_box()

        if cancel["y"] == go["y"]:  # side by side
            apart = cancel["x"] - (go["x"] + go["width"])
        else:  # Cancel wrapped under Continue
            apart = cancel["y"] - (go["y"] + go["height"])
        assert apart >= 8, f"Cancel is {apart} px from Continue at {width} px"
        assert abs(cancel["height"] - go["height"]) <= 1, "Cancel and Continue differ in height"


def test_the_enable_pages_list_of_permissions_stands_clear_of_the_feeds(
    page, live_server, user_factory
):
    _log_in_with_the_demo(page, live_server, user_factory)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/connect/demo/enable/")
        line = page.locator(".choice").last.bounding_box()
        heading = page.get_by_role("heading", name="What Demo Health will ask you").bounding_box()

        apart = heading["y"] - (line["y"] + line["height"])
        assert apart >= 16, f"the heading is {apart} px under the last feed's line at {width} px"
