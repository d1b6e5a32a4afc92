from django import template

from connections.models import Connection
from records.formatting import number
from records.metrics import METRICS, metric_sources
from records.models import DailyValue, SourcePreference
from records.selectors import source_name

register = template.Library()


@register.filter
def source(provider: str) -> str:
    return source_name(provider)


@register.inclusion_tag("records/source_preferences.html")
def source_preferences(user) -> dict:
    """The Settings form: per metric that two or more of the person's services bring (a
    connection for its feed, or data already imported from it), which one to show first."""
    chosen = dict(SourcePreference.objects.filter(user=user).values_list("metric", "provider"))
    connected, imported = person_sources(user)
    choices = []
    for metric in METRICS.values():
        sources = [
            spec
            for spec in metric_sources(metric)
            if (spec.id, metric.feed) in connected or spec.id in imported
        ]
        if len(sources) > 1:
            current = chosen.get(metric.key, sources[0].id)
            choices.append({"metric": metric, "sources": sources, "current": current})
    return {"choices": choices}


def person_sources(user) -> tuple[set[tuple[str, str]], set[str]]:
    """The (provider, feed) pairs a person has connected, in any state, and the providers they
    have data from (kept after a Remove): two queries, each through an index on the person."""
    connected = Connection.objects.filter(user=user).values_list("provider", "feed").distinct()
    imported = DailyValue.objects.filter(user=user).values_list("provider", flat=True).distinct()
    return set(connected), set(imported)


@register.filter
def thousands(value: int) -> str:
    """'1,025': a count as My data writes every number."""
    return number(value)
