"""The daily values behind My data's charts: one value per day and metric, from one source.

When several providers report the same day, the person's preferred source for that metric is
shown, then the others in registry order; values from two sources are never added together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from connections.providers import PROVIDERS
from records.metrics import METRICS, Metric, metric_sources
from records.models import DailyValue, SourcePreference

RANGES: dict[str, tuple[str, int]] = {
    "7d": ("7 days", 7),
    "30d": ("30 days", 30),
    "90d": ("90 days", 90),
    "1y": ("1 year", 365),
}
DEFAULT_RANGE = "30d"
LOOK_BACK = 6  # days before the range the 7-day average needs
COLUMNS = (
    "steps",
    "sleep_minutes",
    "sleep_stages",
    "weight_kg",
    "fat_percent",
    "resting_heart_rate",
    "heart_rate_zones",
    "activities",
)


@dataclass(frozen=True)
class Pick:
    """A day's value of one column group, and the provider it came from."""

    values: dict[str, Any]
    provider: str

    @property
    def value(self) -> Any:
        return next(iter(self.values.values()))


@dataclass
class ChartData:
    first: date
    last: date
    picks: dict[str, dict[date, Pick]] = field(default_factory=dict)  # by first column of group
    orders: dict[str, list[str]] = field(default_factory=dict)  # metric -> providers, best first

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def values(self, column: str) -> dict[date, Any]:
        return {day: pick.value for day, pick in self.picks.get(column, {}).items()}

    def sources(self, column: str) -> dict[str, int]:
        """Days shown per provider for this column, within the range."""
        counts: dict[str, int] = {}
        for day, pick in self.picks.get(column, {}).items():
            if day >= self.first:
                counts[pick.provider] = counts.get(pick.provider, 0) + 1
        return counts


def source_order(metric: Metric, preferences: dict[str, str]) -> list[str]:
    """Providers to take this metric from, best first: the person's choice, then the registry."""
    order = [spec.id for spec in metric_sources(metric)]
    chosen = preferences.get(metric.key)
    if chosen in order:
        order.remove(chosen)
        order.insert(0, chosen)
    return order


def _present(value: Any) -> bool:
    return value is not None and value != {}


def preferred_sources(user) -> dict[str, str]:
    """The person's preferred source per metric key (one query)."""
    return dict(SourcePreference.objects.filter(user=user).values_list("metric", "provider"))


def chart_data(
    *, user, first: date, last: date, preferences: dict[str, str] | None = None
) -> ChartData:
    """Per day and metric, the value to chart and its source (one query whatever the range, and
    one for the person's preferred sources unless given)."""
    rows = DailyValue.objects.filter(
        user=user, day__gte=first - timedelta(days=LOOK_BACK), day__lte=last
    ).values("day", "provider", *COLUMNS)
    by_day: dict[date, dict[str, dict]] = {}
    for row in rows:
        by_day.setdefault(row["day"], {})[row["provider"]] = row
    if preferences is None:
        preferences = preferred_sources(user)
    data = ChartData(first=first, last=last)
    for metric in METRICS.values():
        order = source_order(metric, preferences)
        data.orders[metric.key] = order
        rank = {provider: index for index, provider in enumerate(order)}
        for group in metric.groups:
            chosen: dict[date, Pick] = {}
            for day, sources in by_day.items():
                # Providers no longer in the registry still show, after every known one.
                for provider in sorted(sources, key=lambda p: (rank.get(p, len(rank)), p)):
                    if _present(sources[provider][group[0]]):
                        values = {column: sources[provider][column] for column in group}
                        chosen[day] = Pick(values, provider)
                        break
            data.picks[group[0]] = chosen
    return data


def one_source_per_day(records: QuerySet, *, order: list[str], charted: str = "") -> QuerySet:
    """Of records with a `date`, per day the one a chart of that metric shows: from the first
    provider in `order` (source_order()) that has the `charted` value that day, then from the
    first at all; one SQL subquery per row, no query of its own."""
    rank = Case(
        *(When(provider=provider, then=Value(index)) for index, provider in enumerate(order)),
        default=Value(len(order)),
        output_field=IntegerField(),
    )
    missing = (
        Case(When(**{f"{charted}__isnull": True}, then=Value(1)), default=Value(0))
        if charted
        else Value(0)
    )
    # As the charts' daily values: a provider's latest update of the day stands for it.
    best = (
        records.filter(date=OuterRef("date"))
        .annotate(missing=missing, rank=rank)
        .order_by("missing", "rank", "provider", "-updated_at", "-pk")
        .values("pk")[:1]
    )
    return records.filter(pk=Subquery(best))


def source_label(provider: str) -> str:
    spec = PROVIDERS.get(provider)
    return spec.short_name if spec else provider
