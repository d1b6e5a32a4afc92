"""?from=&to= on downloads: only those days, and bad dates get a clear message, not a 500."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import DailySummary
from tests.conftest import page_text, snapshot
from tests.records.history import store_days

pytestmark = pytest.mark.django_db


def _rows(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_date_range_keeps_only_those_days(logged_in, demo_connected, run_import):
    run_import(demo_connected("daily")["daily"])
    last = timezone.localdate() - timedelta(days=3)
    first = last - timedelta(days=4)

    rows = _rows(logged_in, f"/data/daily.csv?from={first}&to={last}")

    assert [r["date"] for r in rows] == [str(last - timedelta(days=i)) for i in range(5)]


def test_a_start_date_alone_keeps_everything_from_it(logged_in, demo_connected, run_import):
    run_import(demo_connected("sleep")["sleep"])
    first = timezone.localdate() - timedelta(days=2)

    rows = _rows(logged_in, f"/data/sleep.csv?from={first}")

    assert rows and all(r["start"][:10] >= str(first - timedelta(days=1)) for r in rows)
    assert len(rows) < _rows(logged_in, "/data/sleep.csv").__len__()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "Enter dates as YYYY-MM-DD, for example 2026-11-30."),
        ("to=2026-13-45", "Enter dates as YYYY-MM-DD, for example 2026-11-30."),
        ("from=2026-11-20&to=2026-11-01", "The start date (2026-11-20) is after the end date"),
    ],
)
@pytest.mark.parametrize("path", ["/data/daily.csv", "/data/everything.zip"])
def test_bad_dates_are_refused_with_a_clear_message(
    logged_in, demo_connected, run_import, path, query, message
):
    run_import(demo_connected("daily")["daily"])
    before = (snapshot(), DailySummary.objects.count())

    response = logged_in.get(f"{path}?{query}")

    assert response.status_code == 400
    assert message in page_text(response)
    assert "Download not made · Tendon" in response.content.decode()
    assert (snapshot(), DailySummary.objects.count()) == before


@pytest.mark.parametrize(
    "query",
    ["to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=9999-12-31", "from=9999-12-31"],
)
@pytest.mark.parametrize(
    "path", ["/data/sleep.csv", "/data/sleep.omh.json", "/data/everything.zip"]
)
def test_dates_at_the_ends_of_the_calendar_are_refused_with_a_clear_message(
    logged_in, user, path, query
):
    store_days(user, last=timezone.localdate(), days=3)

    response = logged_in.get(f"{path}?{query}")

    assert response.status_code == 400
    assert "Choose days from 1900-01-01 to 2100-12-31. Nothing was downloaded." in page_text(
        response
    )


def test_a_range_of_two_centuries_downloads_everything(logged_in, user):
    store_days(user, last=timezone.localdate(), days=3)

    rows = _rows(logged_in, "/data/sleep.csv?from=1900-01-01&to=2100-12-31")

    assert len(rows) == 3
