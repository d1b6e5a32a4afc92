"""Reads of imported data for the person it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from connections.providers import PROVIDERS
from records.models import Activity, BodyMeasurement, DailySummary, SleepSession

LATEST = 20


@dataclass
class FeedData:
    title: str
    count: int
    rows: list
    columns: list[str]


def _latest(queryset: QuerySet, order: str) -> list:
    return list(queryset.order_by(order)[:LATEST])


def my_data(*, user) -> list[FeedData]:
    """Per feed: how many records, and the latest ones first."""
    owned = {"user": user}
    sections = [
        (
            "Activities",
            Activity.objects.filter(**owned),
            "-start",
            ["When", "Activity", "Duration", "Distance (km)", "Calories", "Source"],
        ),
        (
            "Sleep",
            SleepSession.objects.filter(**owned),
            "-start",
            ["Night of", "Asleep (h)", "Stages (min)", "Source"],
        ),
        (
            "Body",
            BodyMeasurement.objects.filter(**owned),
            "-measured_at",
            ["When", "Weight (kg)", "Body fat (%)", "Source"],
        ),
        (
            "Daily summary",
            DailySummary.objects.filter(**owned),
            "-date",
            ["Day", "Steps", "Distance (km)", "Calories", "Active min", "Resting HR", "Source"],
        ),
    ]
    return [
        FeedData(title, queryset.count(), _latest(queryset, order), columns)
        for title, queryset, order, columns in sections
    ]


def source_name(provider: str) -> str:
    spec = PROVIDERS.get(provider)
    return spec.short_name if spec else provider
