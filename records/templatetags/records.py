from django import template

from records.selectors import source_name

register = template.Library()


@register.filter
def source(provider: str) -> str:
    return source_name(provider)


@register.filter
def km(metres) -> str:
    return "" if metres is None else f"{metres / 1000:.2f}"


@register.filter
def hours(minutes) -> str:
    return "" if minutes is None else f"{minutes / 60:.1f}"


@register.filter
def minutes(duration) -> str:
    return "" if duration is None else f"{int(duration.total_seconds() // 60)} min"
