"""The health dashboard's two small charts, drawn as inline SVG on the server (no script):
import runs per hour by outcome over 48 hours, and connections by status over 14 days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.safestring import SafeString

from connections.models import ImportRun, RunTally, StatusSnapshot
from connections.selectors import STATUSES
from records.charts.svg import Canvas, nice_scale, spread

HOURS = 48
DAYS = 14
# Outcomes drawn bottom to top, with the colours of the pills that say the same.
OUTCOMES = [
    (ImportRun.Outcome.OK, "Imported", "ok"),
    (ImportRun.Outcome.PARTIAL, "Partly imported", "warn"),
    (ImportRun.Outcome.SKIPPED, "Skipped", "off"),
    (ImportRun.Outcome.FAILED, "Failed", "bad"),
]


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
    canvas = Canvas(HOURS, nice_scale(0, max(totals) or 1))
    canvas.grid(canvas.scale, lambda v: f"{v:,.0f}")
    _stack(canvas, [(by_outcome[code], tone, label) for code, label, tone in OUTCOMES])
    local = [timezone.localtime(hour) for hour in hours]
    canvas.ticks_across({i: f"{local[i]:%H:00}" for i in spread(HOURS, most=7)})
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
    canvas = Canvas(DAYS, nice_scale(0, max(totals) or 1))
    canvas.grid(canvas.scale, lambda v: f"{v:,.0f}")
    _stack(canvas, [(by_status[code], tone, label) for code, label, tone in reversed(STATUSES)])
    canvas.ticks_across({i: f"{days[i]:%d %b}" for i in spread(DAYS, most=5)})
    latest = [(label, tone, int(by_status[code][-1])) for code, label, tone in STATUSES]
    svg = canvas.render(
        slug="statuses",
        title="Connections by status, last 14 days",
        description="Today: " + ", ".join(f"{n:,} {label.lower()}" for label, _t, n in latest),
    )
    return svg, latest
