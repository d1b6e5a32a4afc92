"""Drawing charts as inline SVG on the server, readable from a 390 px phone to a desktop.

The outer <svg> is as wide as its column and a fixed height in pixels; its text and grid lines
use percentages across, so labels keep their size at any width. The marks sit in an inner <svg>
whose viewBox is the data (one unit per slot across, 0-100 up) stretched to fit; strokes do not
scale (vector-effect), so lines stay thin and dots stay round. Each series is one <path>, so a
year of days is a few kilobytes, not thousands of elements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

HEIGHT = 200
TOP = 18  # room for the top grid label
BOTTOM = 22  # room for the day labels
PLOT = HEIGHT - TOP - BOTTOM


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    ticks: tuple[float, ...]

    def up(self, value: float) -> float:
        """0 (bottom) to 100 (top) in the plot's own units."""
        span = (self.high - self.low) or 1
        return max(0.0, min(100.0, (value - self.low) / span * 100))

    def pixel(self, value: float) -> float:
        return TOP + PLOT * (1 - self.up(value) / 100)


def nice_scale(low: float, high: float, *, count: int = 4, from_zero: bool = True) -> Scale:
    """A range with round grid steps (1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if from_zero:
        low = min(0.0, low)
    if not math.isfinite(low) or not math.isfinite(high):
        low, high = 0.0, 1.0
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    ticks = tuple(start + i * step for i in range(round((end - start) / step) + 1))
    return Scale(start, end, ticks)


@dataclass
class Canvas:
    """One chart: slots across (days or weeks), a scale up, marks, and labels."""

    slots: int
    scale: Scale
    lines: list[str] = field(default_factory=list)  # drawn under the marks
    marks: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # drawn over the marks, with a halo

    def bars(self, values: Sequence[float | None], css: str, *, base=None, label: str = ""):
        """One bar per slot with a value, optionally stacked on base (values underneath)."""
        parts = []
        for slot, value in enumerate(values):
            if value is None or value <= 0:
                continue
            under = (base[slot] or 0) if base else 0
            bottom = 100 - self.scale.up(self.scale.low + under)
            top = 100 - self.scale.up(self.scale.low + under + value)
            # Gaps between bars read well up to a season; a year of days is drawn solid.
            width = 1.0 if self.slots > 100 else 0.7 if self.slots > 1 else 0.5
            left = slot + (1 - width) / 2
            parts.append(f"M{_n(left)} {_n(bottom)}V{_n(top)}h{_n(width)}V{_n(bottom)}z")
        self._path(parts, css, label, fill=True)

    def line(self, values, css: str, *, label: str = "", join=False, scale=None):
        """A line through the slots' values; a missing value breaks it unless join."""
        scale = scale or self.scale
        parts, pen_down = [], False
        for slot, value in enumerate(values):
            if value is None:
                pen_down = pen_down and join
                continue
            command = "L" if pen_down else "M"
            parts.append(f"{command}{_n(slot + 0.5)} {_n(100 - scale.up(value))}")
            pen_down = True
        self._path(parts, css, label)

    def dots(self, values, css: str, *, label: str = "", scale=None, hole: str = ""):
        """A dot per slot with a value: a zero-length stroke, round or square by its caps (CSS).
        With hole (a CSS class), the same dots again in a thinner stroke on top, drawn in the
        card's colour: hollow marks."""
        scale = scale or self.scale
        parts = [
            f"M{_n(slot + 0.5)} {_n(100 - scale.up(value))}h0"
            for slot, value in enumerate(values)
            if value is not None
        ]
        self._path(parts, css, label)
        if hole:
            self._path(parts, hole, "")

    def _path(self, parts: list[str], css: str, label: str, *, fill: bool = False) -> None:
        if not parts:
            return
        title = format_html("<title>{}</title>", label) if label else ""
        effect = "" if fill else ' vector-effect="non-scaling-stroke"'
        self.marks.append(
            f'<path class="{escape(css)}" d="{"".join(parts)}"{effect}>{title}</path>'
        )

    def grid(self, scale: Scale, text, *, right: bool = False) -> None:
        """Horizontal grid lines at the scale's ticks, labelled at the left (or the right)."""
        for tick in scale.ticks:
            y = _n(scale.pixel(tick))
            if not right:
                self.lines.append(f'<line class="grid" x1="0" x2="100%" y1="{y}" y2="{y}"/>')
            anchor = ' x="100%" text-anchor="end"' if right else ' x="0"'
            self.labels.append(
                f'<text class="axis{" right" if right else ""}"{anchor} y="{_n(float(y) - 4)}">'
                f"{escape(text(tick))}</text>"
            )

    def ticks_across(self, labels: dict[int, str]) -> None:
        """Labels under chosen slots."""
        for slot, text in labels.items():
            x = _n((slot + 0.5) / self.slots * 100)
            anchor = "middle"  # except at the very edges, where half a label would be cut off
            if float(x) < 4:
                anchor = "start"
            elif float(x) > 96:
                anchor = "end"
            self.labels.append(
                f'<text class="axis" x="{x}%" y="{HEIGHT - 6}" text-anchor="{anchor}">'
                f"{escape(text)}</text>"
            )

    def render(self, *, slug: str, title: str, description: str) -> SafeString:
        """The chart, named by its title and described by its summary for screen readers."""
        name, desc = f"chart-{slug}-title", f"chart-{slug}-desc"
        return mark_safe(  # noqa: S308 - every dynamic part above is escaped or numeric
            f'<svg class="chart" width="100%" height="{HEIGHT}" role="img" '
            f'aria-labelledby="{escape(name)} {escape(desc)}">'
            + format_html(
                '<title id="{}">{}</title><desc id="{}">{}</desc>', name, title, desc, description
            )
            + "".join(self.lines)
            + f'<svg x="0" y="{TOP}" width="100%" height="{PLOT}" '
            f'viewBox="0 0 {max(self.slots, 1)} 100" preserveAspectRatio="none">'
            + "".join(self.marks)
            + "</svg>"
            + "".join(self.labels)
            + "</svg>"
        )


def spread(count: int, *, most: int) -> list[int]:
    """Up to `most` slot indexes spread evenly from the first to the last."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})
