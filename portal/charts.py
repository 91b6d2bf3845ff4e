"""Server-side SVG charts, shared by pages and PDFs (no scripts, no inline styles).

Each function returns escaped SVG markup that can be placed in a page or a PDF template.
Colours are presentation attributes, so the page CSP (no inline styles) is respected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal
PALETTE = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997")
FONT = "font-family=\"'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif\""


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]
    colour: str | None = None


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: int = 64
    right: int = 16
    top: int = 16
    bottom: int = 56

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def compact(value: float) -> str:
    """Axis labels: 1200 -> 1.2k, 3400000 -> 3.4M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value % 1 else f"{int(value)}"


def _colour(series: Series, index: int) -> str:
    return series.colour or PALETTE[index % len(PALETTE)]


def _y_scale(frame: _Frame, ticks: list[float]) -> Callable[[float], float]:
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1
    return lambda v: frame.top + frame.plot_height * (1 - (float(v) - low) / span)


def _axes(
    frame: _Frame,
    ticks: list[float],
    labels: Sequence[str],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    tick_format: Callable[[float], str],
) -> list[str]:
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#dee2e6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#6c757d">{escape(tick_format(tick))}</text>'
        )
    every = max(1, math.ceil(len(labels) / 12))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = x_of(index)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.height - frame.bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="#495057">{escape(label)}</text>'
        )
    return parts


def _legend(frame: _Frame, entries: Sequence[tuple[str, str, str]]) -> list[str]:
    parts, x = [], frame.left
    y = frame.height - 14
    for name, colour, shape in entries:
        if shape == "bar":
            parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{colour}"/>')
        else:
            parts.append(
                f'<line x1="{x}" x2="{x + 14}" y1="{y - 4}" y2="{y - 4}" '
                f'stroke="{colour}" stroke-width="3"/>'
            )
        parts.append(
            f'<text x="{x + 18}" y="{y}" font-size="12" fill="#212529">{escape(name)}</text>'
        )
        x += 30 + 7 * len(name)
    return parts


def _svg(frame: _Frame, title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    # Every text piece in `parts` was escaped where it was built.
    return Markup(  # noqa: S704  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart" {FONT}>'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _range(series: Sequence[Series], floor_zero: bool) -> list[float]:
    values = [float(v) for s in series for v in s.values if v is not None]
    low = min(values, default=0.0)
    high = max(values, default=1.0)
    if floor_zero:
        low = min(low, 0.0)
    return nice_ticks(low, high)


def bar_line_chart(
    labels: Sequence[str],
    bars: Series,
    line: Series,
    *,
    title: str,
    width: int = 720,
    height: int = 260,
    tick_format: Callable[[float], str] = compact,
) -> Markup:
    """Bars for one series (e.g. plan) with a line for another (e.g. actual)."""
    frame = _Frame(width, height)
    ticks = _range([bars, line], floor_zero=True)
    y_of = _y_scale(frame, ticks)
    slot = frame.plot_width / max(len(labels), 1)

    def x_of(index: int) -> float:
        return frame.left + slot * (index + 0.5)

    parts = _axes(frame, ticks, labels, x_of, y_of, tick_format)
    bar_colour, line_colour = _colour(bars, 0), _colour(line, 1)
    zero = y_of(0)
    for index, value in enumerate(bars.values):
        if value is None:
            continue
        y = y_of(value)
        parts.append(
            f'<rect x="{x_of(index) - slot * 0.32:.1f}" y="{min(y, zero):.1f}" '
            f'width="{slot * 0.64:.1f}" height="{abs(zero - y):.1f}" fill="{bar_colour}" '
            f'fill-opacity="0.35"><title>{escape(labels[index])}: {escape(bars.name)} '
            f"{escape(tick_format(float(value)))}</title></rect>"
        )
    parts += _polyline(line, line_colour, x_of, y_of, labels, tick_format)
    parts += _legend(frame, [(bars.name, bar_colour, "bar"), (line.name, line_colour, "line")])
    return _svg(frame, title, parts)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 720,
    height: int = 240,
    y_min: float | None = None,
    y_max: float | None = None,
    tick_format: Callable[[float], str] = compact,
) -> Markup:
    """One or more lines over the same labels (e.g. audit score trend on 0-100)."""
    frame = _Frame(width, height)
    if y_min is not None and y_max is not None:
        ticks = nice_ticks(y_min, y_max)
    else:
        ticks = _range(series, floor_zero=False)
    y_of = _y_scale(frame, ticks)
    step = frame.plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        if len(labels) == 1:
            return frame.left + frame.plot_width / 2
        return frame.left + step * index

    parts = _axes(frame, ticks, labels, x_of, y_of, tick_format)
    legend = []
    for index, one in enumerate(series):
        colour = _colour(one, index)
        parts += _polyline(one, colour, x_of, y_of, labels, tick_format)
        legend.append((one.name, colour, "line"))
    parts += _legend(frame, legend)
    return _svg(frame, title, parts)


def _polyline(series: Series, colour: str, x_of, y_of, labels, tick_format) -> list[str]:
    """A line through the known points (gaps where a value is None), with dots."""
    parts, run = [], []
    for index, value in enumerate(series.values):
        if value is None:
            if len(run) > 1:
                parts.append(_path(run, colour))
            run = []
            continue
        point = (x_of(index), y_of(value))
        run.append(point)
        parts.append(
            f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(labels[index])}: {escape(series.name)} "
            f"{escape(tick_format(float(value)))}</title></circle>"
        )
    if len(run) > 1:
        parts.append(_path(run, colour))
    return parts


def _path(points: list[tuple[float, float]], colour: str) -> str:
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
        f'stroke-width="2.5" stroke-linejoin="round"/>'
    )
