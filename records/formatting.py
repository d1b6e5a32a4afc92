"""Numbers as people read them: thousands separators, units, "7 h 12 min"."""

from __future__ import annotations

from datetime import date, timedelta


def number(value: float | int | None, unit: str = "", *, decimals: int = 0) -> str:
    """'12,345 steps', '72.4 kg'; empty for no value."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}" if unit else text


def hours_minutes(minutes: float | int | None) -> str:
    """'7 h 12 min', '45 min', '8 h'; empty for no value."""
    if minutes is None:
        return ""
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours:,} h {rest} min" if rest else f"{hours:,} h"


def duration(value: timedelta | None) -> str:
    return "" if value is None else hours_minutes(value.total_seconds() / 60)


def kilometres(metres: float | None) -> str:
    return "" if metres is None else number(metres / 1000, "km", decimals=2)


def day_label(day: date) -> str:
    """'Tue 3 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def short_day(day: date) -> str:
    """'3 Nov'."""
    return f"{day.day} {day:%b}"


def phone_day(day: date, *, this_year: int) -> str:
    """'3 Nov' for a phone's table, its day and month never broken apart (a non-breaking
    space); '3 Nov 2025' when not this_year, the year free to go under them in a narrow column."""
    return f"{day.day}\u00a0{day:%b}" + ("" if day.year == this_year else f" {day.year}")


def words(items: dict[str, int], *, unit: str = "") -> str:
    """'10 Running, 8 Walking' from {'Running': 10, 'Walking': 8}, largest first."""
    ranked = sorted(items.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count:,}{' ' + unit if unit else ''} {name}" for name, count in ranked)
