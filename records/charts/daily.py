"""Day-by-day charts: steps, sleep, resting heart rate."""

from __future__ import annotations

from datetime import timedelta

from records.charts.common import Chart, Table, day_cell, day_ticks, plural, source_note
from records.charts.svg import Canvas, nice_scale
from records.formatting import day_label, hours_minutes, number, short_day
from records.series import ChartData, source_label

SLEEP_STAGES = ("deep", "rem", "light")  # stacked bottom to top; awake is not sleep
STAGE_WORDS = {"deep": "Deep", "rem": "REM", "light": "Light"}


def _average(values: list[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def steps_chart(data: ChartData, period: str) -> Chart:
    days, steps = data.days, data.values("steps")
    if not any(day in steps for day in days):
        return Chart("steps", "Steps per day", "", empty=f"No steps in the last {period}.")
    # The 7-day average of each day: that day and the six before it (days with steps only).
    seven = {
        day: _average([steps.get(day - timedelta(days=back)) for back in range(7)]) for day in days
    }
    bars = [steps.get(day) for day in days]
    shown = [v for v in bars if v is not None]
    best = max((d for d in days if d in steps), key=lambda d: steps[d])
    summary = (
        f"{number(sum(shown) / len(shown))} steps a day on average over the last {period} "
        f"({plural(len(shown), 'day')} with steps). Most: {number(steps[best])} on "
        f"{day_label(best)}."
    )
    chart = Chart(
        "steps", "Steps per day", summary, source_note=source_note(data, "steps", "steps")
    )
    scale = nice_scale(0, max([*shown, *(v for v in seven.values() if v)]))
    canvas = Canvas(len(days), scale)
    canvas.grid(scale, lambda v: number(v))
    canvas.bars(bars, "bar steps", label="Steps")
    canvas.line([seven[d] for d in days], "trend", label="7-day average", join=True)
    day_ticks(canvas, days)
    chart.draw(canvas)
    chart.legend = [("Steps", "steps"), ("7-day average", "trend")]
    sources = data.picks["steps"]
    chart.table = Table(
        ["Day", "Steps", "7-day average", "Source"],
        [
            [
                day_cell(d, data),
                number(steps[d]),
                number(seven[d]),
                source_label(sources[d].provider),
            ]
            for d in reversed(days)
            if d in steps
        ],
    )
    return chart


def sleep_chart(data: ChartData, period: str) -> Chart:
    days, picks = data.days, data.picks["sleep_minutes"]
    nights = [d for d in days if d in picks]
    if not nights:
        return Chart("sleep", "Sleep per night", "", empty=f"No sleep in the last {period}.")
    minutes = {d: picks[d].values["sleep_minutes"] for d in nights}
    longest = max(nights, key=lambda d: minutes[d])
    summary = (
        f"{hours_minutes(sum(minutes.values()) / len(nights))} asleep a night on average over "
        f"{plural(len(nights), 'night')} in the last {period}. Longest: "
        f"{hours_minutes(minutes[longest])}, the night to {day_label(longest)}."
    )
    chart = Chart(
        "sleep", "Sleep per night", summary, source_note=source_note(data, "sleep_minutes", "sleep")
    )
    scale = nice_scale(0, max(minutes.values()) / 60, count=4)
    canvas = Canvas(len(days), scale)
    canvas.grid(scale, lambda v: f"{number(v)} h")
    staged = {
        d for d in nights if any(picks[d].values["sleep_stages"].get(s) for s in SLEEP_STAGES)
    }
    # Nights with stages are stacked; the others are drawn as their total.
    totals = [minutes[d] / 60 if d in minutes and d not in staged else None for d in days]
    canvas.bars(totals, "bar sleep-total", label="Asleep (no stages)")
    base = [0.0] * len(days)
    for stage in SLEEP_STAGES:
        heights = [
            picks[d].values["sleep_stages"].get(stage, 0) / 60 if d in staged else None
            for d in days
        ]
        canvas.bars(heights, f"bar stage-{stage}", base=list(base), label=STAGE_WORDS[stage])
        base = [b + (h or 0) for b, h in zip(base, heights, strict=True)]
    day_ticks(canvas, days)
    chart.draw(canvas)
    chart.legend = [(STAGE_WORDS[s], f"stage-{s}") for s in SLEEP_STAGES]
    if len(staged) < len(nights):
        chart.legend.append(("Asleep (no stages)", "sleep-total"))
    chart.table = Table(
        ["Night to", "Asleep", "Stages", "Source"],
        [
            [
                day_cell(d, data),
                hours_minutes(minutes[d]),
                ", ".join(
                    f"{stage} {hours_minutes(m)}"
                    for stage, m in picks[d].values["sleep_stages"].items()
                ),
                source_label(picks[d].provider),
            ]
            for d in reversed(nights)
        ],
    )
    return chart


MOST_DOTS = 31  # beyond a month, a dot a day is a solid band that hides the line


def _dotted(series: list[float | None]) -> list[float | None]:
    """The values to mark with a dot: every day on a short range; on a long one only the days
    with no neighbour, which the line cannot show."""
    if len(series) <= MOST_DOTS:
        return series
    padded = [None, *series, None]
    return [
        value if value is not None and padded[i] is None and padded[i + 2] is None else None
        for i, value in enumerate(series)
    ]


def heart_chart(data: ChartData, period: str) -> Chart:
    days, rates = data.days, data.values("resting_heart_rate")
    known = [d for d in days if d in rates]
    title = "Resting heart rate"
    if not known:
        return Chart("heart", title, "", empty=f"No resting heart rate in the last {period}.")
    values = [rates[d] for d in known]
    summary = (
        f"Resting heart rate averaged {number(sum(values) / len(values))} bpm over "
        f"{plural(len(known), 'day')} in the last {period} (lowest {number(min(values))}, "
        f"highest {number(max(values))}). Latest: {number(rates[known[-1]])} bpm on "
        f"{short_day(known[-1])}."
    )
    chart = Chart(
        "heart", title, summary, source_note=source_note(data, "resting_heart_rate", "heart_rate")
    )
    scale = nice_scale(min(values) - 2, max(values) + 2, count=3, from_zero=False)
    canvas = Canvas(len(days), scale)
    canvas.grid(scale, lambda v: f"{number(v)} bpm")
    series = [rates.get(d) for d in days]
    canvas.line(series, "line heart", label="Resting heart rate")
    canvas.dots(_dotted(series), "dot heart", label="Resting heart rate")
    day_ticks(canvas, days)
    chart.draw(canvas)
    sources = data.picks["resting_heart_rate"]
    chart.table = Table(
        ["Day", "Resting heart rate", "Source"],
        [
            [day_cell(d, data), number(rates[d], "bpm"), source_label(sources[d].provider)]
            for d in reversed(known)
        ],
    )
    return chart
