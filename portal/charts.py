"""Server-side SVG charts, shared by pages and PDFs (no scripts, no inline styles).

Each function returns escaped SVG markup that can be placed in a page or a PDF template.
Colours are presentation attributes, so the page CSP (no inline styles) is respected.
The SVG scales with its box; its text comes in three sizes (TIERS) and the page's CSS shows
the one that stays legible at the box's width. Labels at the ends are anchored inside the
chart, so none is clipped. On pages each chart carries its figures as a table too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.i18n import number

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
    left: int = 84
    right: int = 16
    top: int = 16
    bottom: int = 80

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


@dataclass(frozen=True)
class _Tier:
    """One set of labels. The SVG scales with its box, so a narrow box gets bigger text.

    The wide set shows by default (PDFs, no page CSS); portal.css shows the medium or the
    narrow set instead when the chart's box is narrow (container queries on .chart-figure).
    """

    name: str
    font: float  # user units


TIERS = (_Tier("wide", 12), _Tier("medium", 18), _Tier("narrow", 28))
GAP = 0.8  # ems between two x labels


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
    while ticks[-1] < high:  # the top tick covers the highest value: nothing drawn above it
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def compact(value: float) -> str:
    """Axis labels: 1200 -> 1.2k, 3400000 -> 3.4M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value % 1 else f"{int(value)}"


def text_width(text: str, font: float) -> float:
    """An estimate of the width of `text` (CJK characters are a full em, others 0.6 em)."""
    return sum(1.0 if ord(char) >= 0x2E80 else 0.6 for char in text) * font


def _colour(series: Series, index: int) -> str:
    return series.colour or PALETTE[index % len(PALETTE)]


def _y_scale(frame: _Frame, ticks: list[float]) -> Callable[[float], float]:
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1
    return lambda v: frame.top + frame.plot_height * (1 - (float(v) - low) / span)


def _grid(frame: _Frame, ticks: list[float], y_of: Callable[[float], float]) -> list[str]:
    return [
        f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y_of(t):.1f}" '
        f'y2="{y_of(t):.1f}" stroke="#dee2e6" stroke-width="1" vector-effect="non-scaling-stroke"/>'
        for t in ticks
    ]


def _placed_labels(
    frame: _Frame, labels: Sequence[str], x_of: Callable[[int], float], spacing: float, font: float
) -> list[tuple[float, str, str]]:
    """(x, anchor, text) of the x labels that fit at this size: the latest always, then every
    n-th one back; labels at the ends are anchored inside the chart so none is clipped."""
    if not labels:
        return []
    widest = max(text_width(label, font) for label in labels)
    every = max(1, math.ceil((widest + GAP * font) / max(spacing, 1)))
    placed: list[tuple[float, str, str]] = []
    left_edge = math.inf
    for index in range(len(labels) - 1, -1, -every):
        label, x = labels[index], x_of(index)
        half = text_width(label, font) / 2
        if x + half > frame.width - 2:
            anchor, start = "end", frame.width - 2 - 2 * half
            x = frame.width - 2
        elif x - half < 2:
            anchor, start, x = "start", 2.0, 2.0
        else:
            anchor, start = "middle", x - half
        if start + 2 * half + GAP * font / 2 > left_edge:
            continue  # would touch the label to its right (the last one moved inwards)
        placed.append((x, anchor, label))
        left_edge = start
    return placed


def _text_layers(
    frame: _Frame,
    ticks: list[float],
    labels: Sequence[str],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    tick_format: Callable[[float], str],
    spacing: float,
    legend: Sequence[tuple[str, str, str]],
) -> list[str]:
    layers = []
    for tier in TIERS:
        font, parts = tier.font, []
        tick_every = 2 if len(ticks) * font * 1.4 > frame.plot_height else 1
        for index, tick in enumerate(ticks):
            if index % tick_every:
                continue
            parts.append(
                f'<text x="{frame.left - 6}" y="{y_of(tick) + font * 0.35:.1f}" '
                f'text-anchor="end" font-size="{font:g}" fill="#6c757d">'
                f"{escape(tick_format(tick))}</text>"
            )
        baseline = frame.height - frame.bottom + font * 1.2
        for x, anchor, label in _placed_labels(frame, labels, x_of, spacing, font):
            parts.append(
                f'<text x="{x:.1f}" y="{baseline:.1f}" text-anchor="{anchor}" '
                f'font-size="{font:g}" fill="#495057">{escape(label)}</text>'
            )
        parts += _legend(frame, legend, font, min(frame.height - 5, baseline + font * 1.6))
        hidden = "" if tier is TIERS[0] else ' display="none"'
        layers.append(f'<g class="chart-text chart-{tier.name}"{hidden}>{"".join(parts)}</g>')
    return layers


def _legend(
    frame: _Frame, entries: Sequence[tuple[str, str, str]], font: float, y: float
) -> list[str]:
    parts, x = [], float(frame.left)
    for name, colour, shape in entries:
        if shape == "bar":
            parts.append(
                f'<rect x="{x:.1f}" y="{y - font * 0.75:.1f}" width="{font:g}" '
                f'height="{font * 0.8:.1f}" fill="{colour}"/>'
            )
        else:
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + font * 1.2:.1f}" y1="{y - font * 0.35:.1f}" '
                f'y2="{y - font * 0.35:.1f}" stroke="{colour}" stroke-width="3"/>'
            )
        parts.append(
            f'<text x="{x + font * 1.5:.1f}" y="{y:.1f}" font-size="{font:g}" fill="#212529">'
            f"{escape(name)}</text>"
        )
        x += font * 2.5 + text_width(name, font)
    return parts


def _svg(frame: _Frame, title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    # Every text piece in `parts` was escaped where it was built.
    return Markup(  # noqa: S704  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart" {FONT}>'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def figure_value(value: Number | None) -> str:
    """A figure for the table: thousands separators, its own decimals (at most two)."""
    if value is None:
        return number(None)
    decimal = Decimal(str(value))
    exponent = decimal.as_tuple().exponent
    digits = min(2, -exponent) if isinstance(exponent, int) and exponent < 0 else 0
    return number(decimal, digits)


def _figure(
    svg: Markup, title: str, heading: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """The chart with its figures as a table (for screen readers, and anyone who wants them)."""
    head = "".join(f'<th scope="col" class="text-end">{escape(s.name)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(
            f'<td class="text-end">{escape(figure_value(_at(s.values, i)))}</td>' for s in series
        )
        + "</tr>"
        for i, label in enumerate(labels)
    )
    return Markup(  # noqa: S704  # nosec B704  (escaped above; svg is Markup)
        f'<div class="chart-figure">{svg}'
        f'<details class="chart-data"><summary>{escape(_("Figures as a table"))}</summary>'
        f'<div class="table-responsive"><table class="table table-sm w-auto mb-0">'
        f'<caption class="visually-hidden">{escape(title)}</caption>'
        f'<thead><tr><th scope="col">{escape(heading)}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details></div>"
    )


def _at(values: Sequence[Number | None], index: int) -> Number | None:
    return values[index] if index < len(values) else None


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
    table: bool = True,
    label_heading: str | None = None,
) -> Markup:
    """Bars for one series (e.g. plan) with a line for another (e.g. actual).

    With `table` (pages), the chart comes with its figures as a table; PDFs pass False.
    """
    frame = _Frame(width, height)
    ticks = _range([bars, line], floor_zero=True)
    y_of = _y_scale(frame, ticks)
    slot = frame.plot_width / max(len(labels), 1)

    def x_of(index: int) -> float:
        return frame.left + slot * (index + 0.5)

    parts = _grid(frame, ticks, y_of)
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
    legend = [(bars.name, bar_colour, "bar"), (line.name, line_colour, "line")]
    parts += _text_layers(frame, ticks, labels, x_of, y_of, tick_format, slot, legend)
    svg = _svg(frame, title, parts)
    if not table:
        return svg
    return _figure(svg, title, label_heading or _("Month"), labels, [bars, line])


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
    table: bool = True,
    label_heading: str | None = None,
) -> Markup:
    """One or more lines over the same labels (e.g. audit score trend on 0-100).

    With `table` (pages), the chart comes with its figures as a table; PDFs pass False.
    """
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

    parts = _grid(frame, ticks, y_of)
    legend = []
    for index, one in enumerate(series):
        colour = _colour(one, index)
        parts += _polyline(one, colour, x_of, y_of, labels, tick_format)
        legend.append((one.name, colour, "line"))
    spacing = step if len(labels) > 1 else frame.plot_width
    parts += _text_layers(frame, ticks, labels, x_of, y_of, tick_format, spacing, legend)
    svg = _svg(frame, title, parts)
    if not table:
        return svg
    return _figure(svg, title, label_heading or _("Date"), labels, series)


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
        f'stroke-width="2.5" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>'
    )
