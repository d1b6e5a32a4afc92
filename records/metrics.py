"""What My data charts and which feed brings it: the metrics a person can pick a source for.

Sources are never hard-coded: a metric's possible sources are the providers in the registry that
offer its feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from connections.providers import PROVIDERS, ProviderSpec


@dataclass(frozen=True)
class Metric:
    key: str  # as stored in SourcePreference.metric
    label: str  # "Prefer {label} from:"
    feed: str  # the connection feed that imports it
    # DailyValue columns taken together from one source for a day (never mixed, never summed)
    groups: tuple[tuple[str, ...], ...]


METRICS: dict[str, Metric] = {
    metric.key: metric
    for metric in (
        Metric("steps", "steps", "daily", (("steps",),)),
        Metric("sleep", "sleep", "sleep", (("sleep_minutes", "sleep_stages"),)),
        Metric("body", "weight and body fat", "body", (("weight_kg",), ("fat_percent",))),
        Metric("heart_rate", "resting heart rate", "heart_rate", (("resting_heart_rate",),)),
        Metric("activities", "workouts", "activities", (("activities", "heart_rate_zones"),)),
    )
}


def metric_sources(metric: Metric) -> list[ProviderSpec]:
    """The providers, in registry order, that can bring this metric."""
    return [spec for spec in PROVIDERS.values() if metric.feed in spec.feeds]


def feed_sources(feed: str) -> list[ProviderSpec]:
    """The providers, in registry order, that offer this feed."""
    return [spec for spec in PROVIDERS.values() if feed in spec.feeds]
