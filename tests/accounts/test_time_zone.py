"""Times on pages are in the reader's own time zone, as their browser reports it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import page_text

pytestmark = pytest.mark.django_db

IMPORTED_UP_TO = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


@pytest.fixture
def connection_page(logged_in, demo_connected):
    connection = demo_connected("activities")["activities"]
    connection.cursor = IMPORTED_UP_TO
    connection.save(update_fields=["cursor"])

    def read(time_zone: str | None) -> str:
        if time_zone is not None:
            logged_in.cookies["tz"] = time_zone
        return page_text(logged_in.get(f"/connect/{connection.pk}/"))

    return read


def test_times_are_shown_in_the_browsers_time_zone(connection_page):
    assert "Imported up to 21 Nov 2026, 12:30 NZDT." in connection_page("Pacific/Auckland")


def test_without_a_browser_time_zone_times_are_in_the_servers(connection_page):
    assert "Imported up to 20 Nov 2026, 23:30 UTC." in connection_page(None)


@pytest.mark.parametrize("cookie", ["Nowhere/Land", "../../etc/passwd", "x" * 200])
def test_a_tampered_time_zone_cookie_falls_back_to_the_servers(connection_page, cookie):
    assert "Imported up to 20 Nov 2026, 23:30 UTC." in connection_page(cookie)
