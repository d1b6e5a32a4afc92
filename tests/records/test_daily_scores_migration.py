"""Days stored before Tendon kept the daily scores in columns get them from their stored payload
(records migration 0006), read by the provider's own normaliser; other days are left alone."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from records.models import DailySummary
from tests.conftest import fixture_json

pytestmark = pytest.mark.django_db

fill = import_module("records.migrations.0006_daily_scores_from_stored_payloads").fill


def _stored(user, provider: str, day: date, raw: dict, **values) -> DailySummary:
    """A day as an import before 0005 stored it: its payload, no score columns."""
    return DailySummary.objects.create(
        user=user, provider=provider, account_uid="a", key=str(day), date=day, raw=raw, **values
    )


def _first(provider: str, collection: str) -> dict:
    page = fixture_json(provider, collection)
    return (page.get("data") or page.get("records"))[-1]


def test_stored_oura_and_whoop_days_get_their_scores(user):
    oura = _stored(
        user,
        "oura",
        date(2021, 11, 26),
        {
            "daily_activity": _first("oura", "daily_activity_page1"),
            "daily_sleep": _first("oura", "daily_sleep_page1"),
            "daily_readiness": _first("oura", "daily_readiness_page1"),
        },
        steps=18430,
    )
    cycle, recovery = _first("whoop", "cycle_page1"), _first("whoop", "recovery_page1")
    whoop = _stored(user, "whoop", date(2022, 4, 24), {"cycles": [cycle], "recoveries": [recovery]})
    other = _stored(user, "demo", date(2022, 4, 24), {"readiness_score": 90}, steps=5)

    fill(apps, None)

    oura.refresh_from_db()
    assert (oura.activity_score, oura.sleep_score, oura.readiness_score) == (82, 63, 66)
    assert oura.steps == 18430  # columns that were there are not touched
    whoop.refresh_from_db()
    assert (whoop.recovery_score, round(whoop.strain, 2), round(whoop.hrv_ms, 1)) == (44, 5.3, 31.8)
    other.refresh_from_db()
    assert other.readiness_score is None  # a provider that gives no scores keeps none


def test_a_payload_that_cannot_be_read_leaves_its_day_as_it_was(user):
    broken = _stored(user, "whoop", date(2022, 4, 24), {"cycles": "not a list"}, calories=2000)
    implausible = _stored(user, "oura", date(2022, 4, 25), {"daily_readiness": {"score": 900}})

    fill(apps, None)

    broken.refresh_from_db()
    implausible.refresh_from_db()
    assert (broken.strain, broken.calories) == (None, 2000)
    assert implausible.readiness_score is None  # out of any plausible range: dropped
