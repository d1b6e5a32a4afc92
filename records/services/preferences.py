"""A person's choice of source per metric, for days that several providers report."""

from __future__ import annotations

from records.metrics import METRICS, metric_sources
from records.models import SourcePreference


class UnknownSource(ValueError):
    """The metric or the provider is not one a person can choose."""


def source_preference_set(*, user, metric: str, provider: str) -> SourcePreference:
    """Stores which provider's numbers to show first for this metric; UnknownSource if invalid."""
    if metric not in METRICS:
        raise UnknownSource(f"There is no {metric!r} on My data.")
    offered = {spec.id for spec in metric_sources(METRICS[metric])}
    if provider not in offered:
        raise UnknownSource(f"{provider!r} does not bring {METRICS[metric].label}.")
    preference, _ = SourcePreference.objects.update_or_create(
        user=user, metric=metric, defaults={"provider": provider}
    )
    return preference
