"""The health dashboard's two small charts, drawn as inline SVG on the server (no script):
import runs per hour by outcome over 48 hours, and connections by status over 14 days."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.safestring import SafeString

from connections.models import ImportRun, RunTally, StatusSnapshot
from connections.selectors import STATUSES
from records.charts.svg import Canvas, Scale

HOURS = 48
DAYS = 14
# Outcomes drawn bottom to top, with the colours of the pills that say the same.
OUTCOMES = [
    (ImportRun.Outcome.OK, "Imported", "ok"),
    (ImportRun.Outcome.PARTIAL, "Partly imported", "warn"),
    (ImportRun.Outcome.SKIPPED, "Skipped", "off"),
    (ImportRun.Outcome.FAILED, "Failed", "bad"),
]


# Labels every this many hours across the runs chart (on the clock: 00:00, 08:00, 16:00) and
# every this many days across the statuses chart (counted back from today).
HOURS_APART = 8
DAYS_APART = 3


def count_scale(high: float) -> Scale:
    """0 up to at least high in whole steps of 1, 2 or 5 times a power of ten: a count of runs
    or connections is never labelled 2.5 (nor rounded to "2" and "8" between 0, 5 and 10)."""
    raw = max(high, 1) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw)))
    end = math.ceil(max(high, 1) / step) * step
    return Scale(0, end, tuple(range(0, end + step, step)))


def _stack(canvas: Canvas, series: list[tuple[list[float], str, str]]) -> None:
    under = [0.0] * canvas.slots
    for values, css, label in series:
        canvas.bars(values, f"bar tone-{css}", base=list(under), label=label)
        under = [u + v for u, v in zip(under, values, strict=True)]


def runs_chart(tallies: list[RunTally], *, now: datetime) -> tuple[SafeString, list, int]:
    """Runs finished per hour, stacked by outcome; the legend; the total over 48 hours."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    hours = [start + timedelta(hours=i) for i in range(HOURS)]
    slot = {hour: i for i, hour in enumerate(hours)}
    by_outcome = {code: [0.0] * HOURS for code, _label, _tone in OUTCOMES}
    for tally in tallies:
        i = slot.get(tally.hour)
        if i is not None and tally.outcome in by_outcome:
            by_outcome[tally.outcome][i] += tally.count
    totals = [sum(values[i] for values in by_outcome.values()) for i in range(HOURS)]
    canvas = Canvas(HOURS, count_scale(max(totals)))
    canvas.grid(canvas.scale, lambda v: f"{v:,.0f}")
    _stack(canvas, [(by_outcome[code], tone, label) for code, label, tone in OUTCOMES])
    local = [timezone.localtime(hour) for hour in hours]
    canvas.ticks_across(
        {i: f"{at:%H:00}" for i, at in enumerate(local) if at.hour % HOURS_APART == 0}
    )
    total = int(sum(totals))
    svg = canvas.render(
        slug="runs",
        title="Import runs per hour, last 48 hours",
        description=f"{total:,} runs finished; "
        + ", ".join(f"{int(sum(by_outcome[c])):,} {label.lower()}" for c, label, _t in OUTCOMES),
    )
    legend = [(label, tone, int(sum(by_outcome[code]))) for code, label, tone in OUTCOMES]
    return svg, legend, total


def statuses_chart(snapshots: list[StatusSnapshot], *, today: date) -> tuple[SafeString, list]:
    """Connections per day by status (each day's last count), worst status on top."""
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    slot = {day: i for i, day in enumerate(days)}
    by_status = {code: [0.0] * DAYS for code, _label, _tone in STATUSES}
    for snapshot in snapshots:
        i = slot.get(snapshot.day)
        if i is None:
            continue
        for code in by_status:
            by_status[code][i] = snapshot.total(code)
    totals = [sum(values[i] for values in by_status.values()) for i in range(DAYS)]
    canvas = Canvas(DAYS, count_scale(max(totals)))
    canvas.grid(canvas.scale, lambda v: f"{v:,.0f}")
    _stack(canvas, [(by_status[code], tone, label) for code, label, tone in reversed(STATUSES)])
    canvas.ticks_across(
        {i: f"{days[i].day} {days[i]:%b}" for i in range(DAYS - 1, -1, -DAYS_APART)}
    )
    latest = [(label, tone, int(by_status[code][-1])) for code, label, tone in STATUSES]
    svg = canvas.render(
        slug="statuses",
        title="Connections by status, last 14 days",
        description="Today: " + ", ".join(f"{n:,} {label.lower()}" for label, _t, n in latest),
    )
    return svg, latest
