"""Server-rendered SVG charts (line, bar, stacked bar): no JavaScript, no CDN, work offline.

Every label and series name may come from a social network (channel names, member names), so
each piece of text is escaped before it enters the SVG; the result is Markup built only from
escaped parts. Tooltips are SVG <title> elements, shown by every browser on hover.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup, escape

PALETTE = ("#4f46e5", "#ef4444", "#22c55e", "#f59e0b", "#0ea5e9", "#a855f7", "#64748b", "#14b8a6", "#ec4899")
SENTIMENT_COLORS = {"positive": "#22c55e", "neutral": "#a1a1aa", "negative": "#ef4444"}
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One named line or bar stack; ``None`` values are gaps."""

    name: str
    values: Sequence[float | None]
    color: str | None = None


def plain(value: float) -> str:
    """1234 -> '1,234'; 1.5 -> '1.5'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def duration(seconds: float) -> str:
    """Seconds as '45 s', '12 min', '3.5 h', '2.1 d' (the decimal in the user's locale)."""
    from flask_babel import format_decimal  # noqa: PLC0415 - beside the one use

    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{format_decimal(round(seconds / 3600, 1), format='0.0')} h"
    return f"{format_decimal(round(seconds / 86400, 1), format='0.0')} d"


def nice_max(value: float) -> float:
    """A round number at or above ``value`` (1, 2, 2.5, 5 x 10^n) so the axis reads well."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


class _Frame:
    """Plot geometry shared by the chart kinds: margins, scales, axes, legend."""

    def __init__(self, width: int, height: int, top: float, n: int, fmt: Formatter, left: int = 56) -> None:
        self.w, self.h, self.fmt = width, height, fmt
        self.left, self.right, self.top_px, self.bottom = left, 12, 14, 40
        self.top = nice_max(top)
        self.n = max(n, 1)

    @property
    def plot_w(self) -> float:
        return self.w - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.h - self.top_px - self.bottom

    def y(self, v: float) -> float:
        return self.top_px + self.plot_h * (1 - v / self.top)

    def x_center(self, i: int) -> float:
        return self.left + self.plot_w * (i + 0.5) / self.n

    def axes(self, labels: Sequence[str]) -> list[str]:
        parts = []
        for k in range(5):
            v = self.top * k / 4
            y = self.y(v)
            parts.append(f'<line x1="{self.left}" x2="{self.w - self.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7ef"/>')
            parts.append(f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#6b7385">'
                         f"{escape(self.fmt(v))}</text>")
        every = max(1, math.ceil(len(labels) / 10))
        for i, label in enumerate(labels):
            if i % every == 0:
                parts.append(f'<text x="{self.x_center(i):.1f}" y="{self.h - self.bottom + 16}" text-anchor="middle" '
                             f'font-size="11" fill="#6b7385">{escape(_short(label, 14))}</text>')
        base = self.y(0)
        parts.append(f'<line x1="{self.left}" x2="{self.w - self.right}" y1="{base:.1f}" y2="{base:.1f}" stroke="#9aa3bd"/>')
        return parts

    def legend(self, series: Sequence[Series]) -> tuple[list[str], int]:
        """The legend below the plot, wrapped onto more lines when it is wider than the chart
        (six series of "reddit median" overflowed one line); also the height it adds."""
        parts, x, line = [], float(self.left), 0
        for idx, s in enumerate(series):
            name = _short(s.name, 24)
            item_w = 26 + 7 * len(name)
            if x > self.left and x + item_w - 12 > self.w - self.right:
                x, line = float(self.left), line + 1
            y = self.h - 14 + 16 * line
            color = escape(s.color or PALETTE[idx % len(PALETTE)])
            parts.append(f'<rect x="{x:.0f}" y="{y}" width="10" height="10" rx="2" fill="{color}"/>')
            parts.append(f'<text x="{x + 14:.0f}" y="{y + 9}" font-size="11" fill="#1d2433">{escape(name)}</text>')
            x += item_w
        return parts, 16 * line


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(title: str, width: int, height: int, parts: list[str]) -> Markup:
    head = (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')
    return Markup(head + "".join(parts) + "</svg>")  # noqa: S704 - every part above is escaped


def _empty(title: str, width: int, height: int) -> Markup:
    return _svg(title, width, height, [
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" fill="#6b7385">'
        f"{escape(gettext('No data yet'))}</text>"
    ])


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, fmt: Formatter = plain,
               width: int = 640, height: int = 240) -> Markup:
    """Lines over shared x labels, one per series, with a dot and tooltip per point."""
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(title, width, height)
    f = _Frame(width, height, max(values), len(labels), fmt)
    parts = f.axes(labels)
    for idx, s in enumerate(series):
        color = escape(s.color or PALETTE[idx % len(PALETTE)])
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{f.x_center(i):.1f},{f.y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(run)}"/>')
        for i, v in enumerate(s.values):
            if v is not None:
                tip = f"{s.name} · {labels[i]}: {fmt(v)}"
                parts.append(f'<circle cx="{f.x_center(i):.1f}" cy="{f.y(v):.1f}" r="3" fill="{color}">'
                             f"<title>{escape(tip)}</title></circle>")
    legend, extra = f.legend(series)
    return _svg(title, width, height + extra, parts + legend)


def stacked_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, fmt: Formatter = plain,
                      width: int = 640, height: int = 240) -> Markup:
    """One bar per label, stacked by series, a tooltip per segment. A single series is a bar chart."""
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(title, width, height)
    f = _Frame(width, height, max(totals), len(labels), fmt)
    parts = f.axes(labels)
    bar_w = max(1.0, f.plot_w / f.n * 0.72)
    for i, label in enumerate(labels):
        base = 0.0
        for idx, s in enumerate(series):
            v = s.values[i] or 0
            if v <= 0:
                continue
            color = escape(s.color or PALETTE[idx % len(PALETTE)])
            y_top, y_bottom = f.y(base + v), f.y(base)
            tip = f"{s.name} · {label}: {fmt(v)}" if len(series) > 1 else f"{label}: {fmt(v)}"
            parts.append(f'<rect x="{f.x_center(i) - bar_w / 2:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                         f'height="{max(0.5, y_bottom - y_top):.1f}" fill="{color}"><title>{escape(tip)}</title></rect>')
            base += v
    legend, extra = f.legend(series) if len(series) > 1 else ([], 0)
    return _svg(title, width, height + extra, parts + legend)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, fmt: Formatter = plain,
              color: str = PALETTE[0], width: int = 640, height: int = 240) -> Markup:
    """Vertical bars, one per label."""
    return stacked_bar_chart(title, labels, [Series(title, list(values), color)], fmt=fmt, width=width, height=height)


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, fmt: Formatter = plain,
               color: str = PALETTE[0], width: int = 640) -> Markup:
    """Horizontal bars with the label on the left: long names (channels, members) stay readable."""
    if not labels or not any(values):
        return _empty(title, width, 120)
    row, left, right = 24, 190, 70
    height = row * len(labels) + 8
    top = max(values) or 1
    parts = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        w = (width - left - right) * v / top
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="#1d2433">'
                     f"{escape(_short(label, 28))}</text>")
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(1.0, w):.1f}" height="{row - 8}" rx="3" '
                     f'fill="{escape(color)}"><title>{escape(f"{label}: {fmt(v)}")}</title></rect>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="11" fill="#6b7385">{escape(fmt(v))}</text>')
    return _svg(title, width, height, parts)
