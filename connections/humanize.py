"""Times in words, cheaply: pages and the admin list show hundreds of them at once, and
Django's naturaltime and timesince cost tens of microseconds each (bench/admin_scale.py)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

UNITS = (("day", "a day", 86_400), ("hour", "an hour", 3_600), ("minute", "a minute", 60))


def _amount(seconds: float) -> str:
    for unit, one, size in UNITS:
        if seconds >= size:
            n = int(seconds // size)
            return one if n == 1 else f"{n} {unit}s"
    n = int(seconds)
    return "a second" if n == 1 else f"{n} seconds"


def ago(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'an hour ago', '3 days ago'; 'in 20 minutes' for the future."""
    seconds = ((now or timezone.now()) - moment).total_seconds()
    if abs(seconds) < 1:
        return "just now"  # "last import just now", never the bare "last import now"
    if seconds < 0:
        return f"in {_amount(-seconds)}"
    return f"{_amount(seconds)} ago"


def day(moment: datetime | None) -> str:
    """The day as '3 May' or '30 Nov', in the reader's time zone."""
    if moment is None:
        return "a while"
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b}"


def clock(moment: datetime) -> str:
    """'14:05' in the reader's time zone."""
    return f"{timezone.localtime(moment):%H:%M}"
