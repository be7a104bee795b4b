"""The alert page's chart: the series, the usual band and the spike, as inline SVG (offline).

Only numbers and our own labels go into the SVG (no text from social networks), and every
label is escaped anyway. web/charts.py (the metrics charts) has no band or highlighted span,
which is what an alert needs, so this small helper draws its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

from crm.alerts.explain import ChartData
from web.charts.svg import nice_max

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 28


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def alert_chart(data: ChartData, *, unit: str = "mentions per 5 minutes") -> Markup:
    """SVG with the usual band (shaded), the series (line) and the spike span (highlighted)."""
    n = len(data.times)
    title = f"{unit}: series, usual range and the spike"
    if n < 2:
        return Markup('<p class="muted">Not enough data for a chart yet.</p>')
    top = max([*data.values, *(h for h in data.high if h is not None), 1])
    ymax = nice_max(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + plot_w * i / (n - 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / ymax)

    parts = [
        f'<svg class="alert-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for frac in (0, 0.5, 1):
        yy = y(ymax * frac)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">{ymax * frac:g}</text>')
    if data.spike_from is not None:
        first = next((i for i, t in enumerate(data.times) if t >= data.spike_from), None)
        last = max((i for i, t in enumerate(data.times) if data.spike_to and t <= data.spike_to), default=first)
        if first is not None and last is not None:
            x0, x1 = x(first), x(max(last, first)) + plot_w / (n - 1)
            parts.append(
                f'<rect class="spike" x="{x0:.1f}" y="{TOP}" width="{max(x1 - x0, 2):.1f}" '
                f'height="{plot_h}"><title>the alert</title></rect>'
            )
    band = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(data.low, data.high, strict=True))
            if lo is not None and hi is not None]
    if band:
        upper = [(x(i), y(hi)) for i, _, hi in band]
        lower = [(x(i), y(lo)) for i, lo, _ in reversed(band)]
        parts.append(f'<path class="band" d="{_path(upper + lower)} Z"><title>usual range</title></path>')
    line = [(x(i), y(v)) for i, v in enumerate(data.values)]
    parts.append(f'<path class="series" d="{_path(line)}"/>')
    for i in sorted({0, n // 2, n - 1}):
        label = _label(data.times[i])
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # built from numbers and escaped labels only


def _label(moment: datetime) -> str:
    return f"{moment:%d %b %H:%M} UTC"
