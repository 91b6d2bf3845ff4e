"""Server-side charts (portal/charts.py): labels never cut, text per width, figures as a table."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from portal import charts

NS = {"svg": "http://www.w3.org/2000/svg"}
DAYS = [f"2026-{month:02d}-{day:02d}" for month, day in [(1, 5), (2, 9), (3, 3), (5, 20), (8, 1)]]
DAYS += ["2026-09-14", "2026-10-02", "2026-11-26", "2026-12-03"]
MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]


def _svg(markup: str) -> ElementTree.Element:
    svg = re.search(r"<svg.*</svg>", str(markup), re.S).group(0)
    return ElementTree.fromstring(svg)  # noqa: S314  (the chart module's own output)


def _x_labels(svg: ElementTree.Element, tier: str, labels: list[str]) -> list[ElementTree.Element]:
    group = svg.find(f"svg:g[@class='chart-text chart-{tier}']", NS)
    return [t for t in group.findall("svg:text", NS) if t.text in labels]


def _extent(text: ElementTree.Element) -> tuple[float, float]:
    x, width = float(text.get("x")), charts.text_width(text.text, float(text.get("font-size")))
    anchor = text.get("text-anchor", "start")
    start = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return start, start + width


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("tier", [t.name for t in charts.TIERS])
@pytest.mark.parametrize(
    ("kind", "labels"), [("line", DAYS), ("bars", MONTHS)], ids=["line-days", "bars-months"]
)
def test_the_latest_label_is_shown_whole_and_labels_do_not_touch(in_request, tier, kind, labels):
    values = [Decimal(60 + i) for i in range(len(labels))]
    if kind == "line":
        markup = charts.line_chart(labels, [charts.Series("Score", values)], title="Scores")
    else:
        series = charts.Series("Plan", values), charts.Series("Actual", values)
        markup = charts.bar_line_chart(labels, *series, title="Revenue")
    svg = _svg(markup)
    width = float(svg.get("viewBox").split()[2])

    shown = _x_labels(svg, tier, labels)
    assert shown[0].text == labels[-1], "the latest label is always shown"
    extents = sorted(_extent(text) for text in shown)
    assert extents[0][0] >= 0
    assert extents[-1][1] <= width, f"the last label runs past the {width:g}-unit chart"
    for (_left, right), (next_left, _right) in itertools.pairwise(extents):
        assert right < next_left, "two labels overlap"


def test_only_the_wide_labels_show_without_the_page_css(in_request):
    svg = _svg(charts.line_chart(MONTHS, [charts.Series("Score", [50] * 12)], title="Scores"))
    groups = {g.get("class"): g.get("display") for g in svg.findall("svg:g", NS)}
    assert groups == {
        "chart-text chart-wide": None,
        "chart-text chart-medium": "none",
        "chart-text chart-narrow": "none",
    }


def test_a_page_chart_carries_its_figures_as_a_table(in_request):
    markup = str(
        charts.bar_line_chart(
            ["2026-10", "2026-11"],
            charts.Series("Plan", [Decimal("1234567.50"), Decimal("2000.00")]),
            charts.Series("Actual", [Decimal("1100000.25"), None]),
            title="Revenue: plan against actual",
        )
    )
    table = re.search(r"<details class=\"chart-data\">.*</details>", markup, re.S).group(0)
    assert '<caption class="visually-hidden">Revenue: plan against actual</caption>' in table
    assert '<th scope="col">Month</th>' in table
    assert '<th scope="col" class="text-end">Plan</th>' in table
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table)
    cells = [(label, re.findall(r"<td[^>]*>(.*?)</td>", rest)) for label, rest in rows]
    assert cells == [
        ("2026-10", ["1,234,567.50", "1,100,000.25"]),
        ("2026-11", ["2,000.00", "–"]),  # noqa: RUF001  (the en dash of "no value")
    ]


def test_a_pdf_chart_is_the_svg_alone(in_request):
    markup = str(
        charts.line_chart(DAYS, [charts.Series("Score", [70] * 9)], title="Scores", table=False)
    )
    assert markup.startswith("<svg")
    assert "<details" not in markup


@pytest.mark.parametrize(
    ("low", "high"), [(0, 2_305_033.93), (0, 100), (0, 1), (-120, 980), (0, 2_800_000)]
)
def test_the_ticks_cover_every_value(low, high):
    ticks = charts.nice_ticks(low, high)
    assert ticks[0] <= low
    assert ticks[-1] >= high
