"""The pages people open most cost a fixed number of queries, however much they have connected."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

EVERY_FEED = ("activities", "sleep", "body", "heart_rate", "daily")


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(db) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/connect/", "/connect/demo/", "/data/"])
def test_page_queries_do_not_grow_with_feeds_or_records(
    logged_in, demo_connected, run_import, django_assert_max_num_queries, path
):
    run_import(demo_connected("sleep")["sleep"])
    with_one_feed = _queries(logged_in, path)
    for connection in demo_connected(*EVERY_FEED).values():
        run_import(connection)

    with django_assert_max_num_queries(with_one_feed):
        logged_in.get(path)


def test_connection_page_queries_do_not_grow_with_history(
    logged_in, demo_connected, run_import, django_assert_max_num_queries
):
    daily = demo_connected("daily")["daily"]
    run_import(daily)
    with_one_run = _queries(logged_in, f"/connect/{daily.pk}/")
    for _ in range(5):
        run_import(daily)

    with django_assert_max_num_queries(with_one_run):
        logged_in.get(f"/connect/{daily.pk}/")
