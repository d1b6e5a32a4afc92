from django import template

from records.formatting import number
from records.metrics import METRICS, metric_sources
from records.models import SourcePreference
from records.selectors import source_name

register = template.Library()


@register.filter
def source(provider: str) -> str:
    return source_name(provider)


@register.inclusion_tag("records/source_preferences.html")
def source_preferences(user) -> dict:
    """The Settings form: per metric offered by two or more services, which one to show first."""
    chosen = dict(SourcePreference.objects.filter(user=user).values_list("metric", "provider"))
    choices = []
    for metric in METRICS.values():
        sources = metric_sources(metric)
        if len(sources) > 1:
            current = chosen.get(metric.key, sources[0].id)
            choices.append({"metric": metric, "sources": sources, "current": current})
    return {"choices": choices}


@register.filter
def thousands(value: int) -> str:
    """'1,025': a count as My data writes every number."""
    return number(value)
