"""My data's charts, drawn on the server from the pre-aggregated daily values."""

from __future__ import annotations

from datetime import date, timedelta

from records.charts.common import Chart
from records.charts.daily import heart_chart, sleep_chart, steps_chart
from records.charts.trends import activities_chart, body_chart, zones_chart
from records.series import RANGES, chart_data


def my_data_charts(
    *, user, range_key: str, today: date, preferences: dict[str, str] | None = None
) -> list[Chart]:
    """Every chart for the range ending today, in page order (one query in all, and one for the
    person's preferred sources unless given)."""
    period, length = RANGES[range_key]
    data = chart_data(
        user=user,
        first=today - timedelta(days=length - 1),
        last=today,
        preferences=preferences,
    )
    charts = [
        steps_chart(data, period),
        sleep_chart(data, period),
        body_chart(data, period),
        heart_chart(data, period),
        zones_chart(data, period),
        activities_chart(data, period),
    ]
    return [chart for chart in charts if chart is not None]


__all__ = ["Chart", "my_data_charts"]
