"""A push costs a handful of queries, whatever the history of the connection."""

from __future__ import annotations

import pytest

from connections.models import ImportRun
from tests.connections.push.conftest import notification

pytestmark = pytest.mark.django_db


def test_a_notification_that_starts_an_import_costs_a_few_queries(
    google_push, google_activities, django_assert_max_num_queries
):
    google_push.post(notification(uid="warm-up"))  # the keyset is fetched and cached once

    # Find and lock the connection, make it due, the provider's cap, the claim (3), the hint's
    # log row, the broker's insert; and the test transaction's savepoint pair.
    with django_assert_max_num_queries(10):
        assert google_push.post(notification()).status_code == 204

    assert ImportRun.objects.count() == 1


def test_a_notification_coalesced_into_a_queued_run_costs_fewer(
    google_push, google_activities, django_assert_max_num_queries
):
    google_push.post(notification())

    # Find and lock, is the run started, last push, the log row; the savepoint pair.
    with django_assert_max_num_queries(6):
        assert google_push.post(notification()).status_code == 204
