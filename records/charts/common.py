"""What every My data chart has: a title, a summary in words, its source, a table of its numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.safestring import SafeString

from records.charts.svg import Canvas, spread
from records.formatting import day_label, phone_day, short_day
from records.metrics import METRICS
from records.selectors import Cell
from records.series import ChartData, source_label

# Left out on phones, as in the record tables: a phone's table keeps its numbers, and each row's
# source goes under its day.
PHONE_HIDDEN = ("Stages", "Source")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str | Cell]]  # a Cell has a compact form for phones (days)

    @property
    def wide_columns(self) -> list[int]:
        """The columns (by position) left out on phones."""
        return [i for i, column in enumerate(self.columns) if column in PHONE_HIDDEN]

    @property
    def has_source(self) -> bool:
        """Whether the last column names each row's source (said under the day on phones)."""
        return self.columns[-1] == "Source"


def day_cell(day: date, data: ChartData) -> Cell:
    """A table's day: 'Mon 30 Nov 2026', and '30 Nov' on phones, never broken over two lines
    (with the year when it is not the range's last)."""
    return Cell(day_label(day), phone_day(day, this_year=data.last.year))


@dataclass
class Chart:
    slug: str
    title: str
    summary: str  # said to screen readers with the chart and shown under it
    empty: str = ""  # what to say instead of drawing, when there is nothing to draw
    source_note: str = ""
    svg: SafeString | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)  # (words, css class)
    table: Table | None = None

    def draw(self, canvas: Canvas) -> None:
        self.svg = canvas.render(slug=self.slug, title=self.title, description=self.summary)


def day_ticks(canvas: Canvas, days: list[date]) -> None:
    """Day labels under a daily chart: a few, spread so they fit a phone."""
    if len(days) <= 7:
        canvas.ticks_across({i: f"{d:%a} {d.day}" for i, d in enumerate(days)})
    elif len(days) <= 100:
        canvas.ticks_across({i: short_day(days[i]) for i in spread(len(days), most=5)})
    else:
        canvas.ticks_across({i: f"{days[i]:%b %Y}" for i in spread(len(days), most=4)})


def week_starts(first: date, last: date) -> list[date]:
    """The Mondays of the weeks from first to last."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def week_ticks(canvas: Canvas, weeks: list[date]) -> None:
    canvas.ticks_across({i: short_day(weeks[i]) for i in spread(len(weeks), most=5)})


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def source_note(data: ChartData, column: str, metric_key: str) -> str:
    """Which service the chart shows, and how a day is chosen when two report it."""
    counts = data.sources(column)
    if not counts:
        return ""
    order = data.orders.get(metric_key, [])
    ranked = sorted(counts, key=lambda p: (order.index(p) if p in order else len(order), p))
    if len(ranked) == 1:
        return f"Source: {source_label(ranked[0])}."
    first, *others = ranked
    rest = ", ".join(f"{source_label(p)} on {plural(counts[p], 'other day')}" for p in others)
    return (
        f"Sources: {source_label(first)} on {plural(counts[first], 'day')}, {rest}. A day "
        f"reported by two services shows one of them, never the sum: {source_label(first)} "
        f"comes first for {METRICS[metric_key].label}."
    )
