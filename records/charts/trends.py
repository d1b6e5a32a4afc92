"""Weight and body fat over time, and the weekly charts: workouts by type, heart-rate zones."""

from __future__ import annotations

from datetime import date, timedelta

from records.charts.common import (
    Chart,
    Table,
    day_cell,
    day_ticks,
    plural,
    source_note,
    week_starts,
)
from records.charts.common import week_ticks as weekly_ticks
from records.charts.svg import Canvas, nice_scale
from records.formatting import hours_minutes, number, short_day, words
from records.series import ChartData, source_label

ZONES = ("light", "moderate", "vigorous", "peak")
MOST_KINDS = 4  # activity types drawn on their own; the rest are "Other"
# Each source's dots differ in shape as well as colour (tendon.css: .source-0 to -2 per series,
# and the shapes), so sources are told apart without colour vision too.
SOURCE_COLOURS = 3
SOURCE_SHAPES = ("shape-round", "shape-square", "shape-round-hollow", "shape-square-hollow")


def source_look(rank: int) -> str:
    """The CSS classes of the rank-th source's dots: a colour, then a shape. Three colours and
    four shapes cycle together, so a dozen sources each get a look of their own."""
    return f"source-{rank % SOURCE_COLOURS} {SOURCE_SHAPES[rank % len(SOURCE_SHAPES)]}"


def _smoothed(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Each point replaced by the mean of it and up to three measurements either side."""
    values = [value for _, value in points]
    return [
        (slot, sum(values[max(0, i - 3) : i + 4]) / len(values[max(0, i - 3) : i + 4]))
        for i, (slot, _) in enumerate(points)
    ]


def _series(slots: int, points: list[tuple[int, float]]) -> list[float | None]:
    series: list[float | None] = [None] * slots
    for slot, value in points:
        series[slot] = value
    return series


def body_chart(data: ChartData, period: str) -> Chart:
    days = data.days
    weights, fats = data.picks["weight_kg"], data.picks["fat_percent"]
    weighed = [d for d in days if d in weights or d in fats]
    title = "Weight and body fat"
    if not weighed:
        return Chart("body", title, "", empty=f"No weigh-ins in the last {period}.")
    index = {d: i for i, d in enumerate(days)}
    weight_points = [(index[d], weights[d].value) for d in days if d in weights]
    fat_points = [(index[d], fats[d].value) for d in days if d in fats]
    parts = []
    if weight_points:
        first, last = [d for d in days if d in weights][0], [d for d in days if d in weights][-1]
        parts.append(
            f"Weight went from {number(weights[first].value, 'kg', decimals=1)} on "
            f"{short_day(first)} to {number(weights[last].value, 'kg', decimals=1)} on "
            f"{short_day(last)} ({plural(len(weight_points), 'weigh-in')})."
        )
    if fat_points:
        latest = [d for d in days if d in fats][-1]
        parts.append(
            f"Body fat {number(fats[latest].value, '%', decimals=1)} on {short_day(latest)}."
        )
    chart = Chart("body", title, " ".join(parts))
    notes = [source_note(data, "weight_kg", "body"), source_note(data, "fat_percent", "body")]
    chart.source_note = notes[0] if notes[0] == notes[1] or not notes[1] else " ".join(notes)
    values = [v for _, v in weight_points] or [0.0]
    weight_scale = nice_scale(min(values) - 1, max(values) + 1, count=3, from_zero=False)
    canvas = Canvas(len(days), weight_scale)
    if weight_points:
        canvas.grid(weight_scale, lambda v: number(v, "kg"))
        canvas.line(
            _series(len(days), _smoothed(weight_points)),
            "line weight",
            join=True,
            label="Weight, smoothed",
        )
        chart.legend += _dots_by_source(canvas, days, weights, "weight", "Weight", weight_scale)
    if fat_points:
        fat_values = [v for _, v in fat_points]
        fat_scale = nice_scale(min(fat_values) - 1, max(fat_values) + 1, count=3, from_zero=False)
        canvas.grid(fat_scale, lambda v: number(v, "%"), right=True)
        canvas.line(
            _series(len(days), _smoothed(fat_points)),
            "line fat",
            join=True,
            label="Body fat, smoothed",
            scale=fat_scale,
        )
        chart.legend += _dots_by_source(canvas, days, fats, "fat", "Body fat", fat_scale)
    day_ticks(canvas, days)
    chart.draw(canvas)
    chart.table = Table(
        ["Day", "Weight", "Body fat", "Source"],
        [
            [
                day_cell(d, data),
                number(weights[d].value, "kg", decimals=1) if d in weights else "",
                number(fats[d].value, "%", decimals=1) if d in fats else "",
                " / ".join(
                    dict.fromkeys(source_label(p[d].provider) for p in (weights, fats) if d in p)
                ),
            ]
            for d in reversed(weighed)
        ],
    )
    return chart


def _dots_by_source(canvas, days, picks, css, words_, scale) -> list[tuple[str, str]]:
    """One set of dots per source, each named for it: every point shows where it came from."""
    providers = list(dict.fromkeys(picks[d].provider for d in days if d in picks))
    legend = []
    for rank, provider in enumerate(providers):
        series = [
            picks[d].value if d in picks and picks[d].provider == provider else None for d in days
        ]
        label = f"{words_} from {source_label(provider)}"
        look = source_look(rank)
        shape = look.split()[-1]
        hole = f"dot-hole {shape}" if shape.endswith("-hollow") else ""
        canvas.dots(series, f"dot {css} {look}", scale=scale, label=label, hole=hole)
        legend.append((label, f"{css} {look}"))
    return legend


def _kind_words(kind: str) -> str:
    if not kind or kind.upper().endswith("UNSPECIFIED") or kind == "other":
        return "Other"
    return kind.replace("_", " ").capitalize()


def _weekly(data: ChartData, column: str) -> tuple[list[date], dict[date, dict[str, float]]]:
    """Per week, the column's amounts added up over the week's days (each day from one source)."""
    weeks = week_starts(data.first, data.last)
    totals: dict[date, dict[str, float]] = {}
    for day, pick in data.picks.get("activities", {}).items():  # zones come with the workouts
        if data.first <= day <= data.last:
            week = day - timedelta(days=day.weekday())
            bucket = totals.setdefault(week, {})
            for key, amount in (pick.values[column] or {}).items():
                bucket[key] = bucket.get(key, 0) + amount
    return weeks, totals


def _week_sources(data: ChartData, column: str, week: date) -> str:
    """The services a week's days were taken from, in words: 'Polar / Fitbit & Pixel Watch'."""
    picks = data.picks.get("activities", {})
    days = [week + timedelta(days=i) for i in range(7)]
    shown = (
        picks[d].provider
        for d in days
        if d in picks and data.first <= d <= data.last and picks[d].values[column]
    )
    return " / ".join(source_label(p) for p in dict.fromkeys(shown))


def activities_chart(data: ChartData, period: str) -> Chart:
    weeks, totals = _weekly(data, "activities")
    title = "Workouts per week"
    by_kind: dict[str, int] = {}
    for week in totals.values():
        for kind, count in week.items():
            by_kind[_kind_words(kind)] = by_kind.get(_kind_words(kind), 0) + count
    if not by_kind:
        return Chart("activities", title, "", empty=f"No workouts in the last {period}.")
    total = sum(by_kind.values())
    summary = f"{plural(total, 'workout')} in the last {period}: {words(by_kind)}."
    chart = Chart(
        "activities", title, summary, source_note=source_note(data, "activities", "activities")
    )
    ranked = sorted(by_kind, key=lambda kind: (-by_kind[kind], kind))
    drawn = ranked if len(ranked) <= MOST_KINDS + 1 else [*ranked[:MOST_KINDS], "Other"]
    counts = {week: {} for week in weeks}
    for week, kinds in totals.items():
        for kind, count in kinds.items():
            name = _kind_words(kind) if _kind_words(kind) in drawn else "Other"
            counts[week][name] = counts[week].get(name, 0) + count
    scale = nice_scale(0, max(sum(c.values()) for c in counts.values()), count=3)
    canvas = Canvas(len(weeks), scale)
    canvas.grid(scale, lambda v: number(v))
    base = [0.0] * len(weeks)
    for rank, kind in enumerate(drawn):
        heights = [counts[w].get(kind) for w in weeks]
        canvas.bars(heights, f"bar kind-{rank}", base=list(base), label=kind)
        base = [b + (h or 0) for b, h in zip(base, heights, strict=True)]
        chart.legend.append((kind, f"kind-{rank}"))
    weekly_ticks(canvas, weeks)
    chart.draw(canvas)
    chart.table = Table(
        ["Week of", "Workouts", "Source"],
        [
            [day_cell(w, data), words(counts[w]), _week_sources(data, "activities", w)]
            for w in reversed(weeks)
            if counts[w]
        ],
    )
    return chart


def zones_chart(data: ChartData, period: str) -> Chart | None:
    """Minutes per heart-rate zone each week, when a provider gives zones (None otherwise)."""
    weeks, totals = _weekly(data, "heart_rate_zones")
    if not any(totals.values()):
        return None
    minutes = {zone: sum(t.get(zone, 0) for t in totals.values()) for zone in ZONES}
    summary = (
        f"Time in heart-rate zones during workouts over the last {period}: "
        + ", ".join(f"{hours_minutes(minutes[z])} {z}" for z in ZONES if minutes[z])
        + "."
    )
    chart = Chart(
        "zones",
        "Heart-rate zones per week",
        summary,
        source_note=source_note(data, "activities", "activities"),
    )
    scale = nice_scale(0, max(sum(t.values()) for t in totals.values()) / 60, count=3)
    canvas = Canvas(len(weeks), scale)
    canvas.grid(scale, lambda v: f"{number(v, decimals=1 if v % 1 else 0)} h")
    base = [0.0] * len(weeks)
    for zone in ZONES:
        heights = [totals.get(w, {}).get(zone, 0) / 60 or None for w in weeks]
        canvas.bars(heights, f"bar zone-{zone}", base=list(base), label=zone.capitalize())
        base = [b + (h or 0) for b, h in zip(base, heights, strict=True)]
        chart.legend.append((zone.capitalize(), f"zone-{zone}"))
    weekly_ticks(canvas, weeks)
    chart.draw(canvas)
    chart.table = Table(
        ["Week of", *(z.capitalize() for z in ZONES)],
        [
            [day_cell(w, data), *(hours_minutes(totals[w].get(z)) for z in ZONES)]
            for w in reversed(weeks)
            if totals.get(w)
        ],
    )
    return chart
