"""Screens fit their window: no page is wider than the viewport (issue 11, "Screens that break").

One app with the demo network and one signed-in browser context per role serve the whole
module; each test only resizes the viewport (and switches the language when it must).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import SalesPlan
from tests.support import databases
from tests.support.browser import sign_in, use_locale
from tests.support.live import serve_in_thread
from tests.support.plans import plan_grid_url

# axe and the layout judge the HTML, CSS and script the browser gets, which no database
# changes: the module runs on SQLite only (tests/conftest.py, ANY_DATABASE).
pytestmark = [pytest.mark.browser, pytest.mark.any_database]

PASSWORD = "portal-demo"
ROLES = {
    "admin": "admin@demo.example",
    "supervisor": "south.supervisor@demo.example",
    "dealer": "n04@demo.example",
}
DESKTOP_WIDTHS = [1024, 1366, 1920]
PHONE_WIDTHS = [390, 320]
HEIGHT = 900

# The elements that made the page wider than the window, for the failure message.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string'
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5 && !clipped(el)) {
      found.push(name(el) + ' right=' + Math.round(box.right));
    }
  }
  return found.slice(0, 6);
}"""

# Lines of text a link's label is laid out on (1 unless its words break).
LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el.querySelector('.nav-label') || el);
  const tops = new Set();
  for (const box of range.getClientRects()) {
    if (box.width > 0) tops.add(Math.round(box.top));
  }
  return tops.size;
}"""

# Text of the menu's visible controls whose contrast with their background is under 4.5:1.
LOW_CONTRAST = """(root) => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  const controls = 'a, button, select, .nav-group-heading, .dropdown-header span';
  for (const el of root.querySelectorAll(controls)) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    const back = background(el);
    const c = parse(getComputedStyle(el).color);
    const fore = c.length === 4 ? c.slice(0, 3).map((v, i) => v * c[3] + back[i] * (1 - c[3])) : c;
    const [hi, lo] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) low.push(el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return low;
}"""


@dataclass
class Site:
    base: str
    urls: dict[str, dict[str, str]] = field(default_factory=dict)


def _plan_url(dealer_id: int, *, edit: bool) -> str:
    if edit:
        return plan_grid_url(dealer_id)
    latest = db.session.scalar(
        select(SalesPlan.id)
        .where(SalesPlan.dealer_id == dealer_id)
        .order_by(SalesPlan.period.desc())
        .limit(1)
    )
    return f"/plans/{latest}"


def _pages(dealer_id: int, *, dealer: bool) -> dict[str, str]:
    return {
        "home": "/home",
        "plans": "/plans/",
        "plan grid": _plan_url(dealer_id, edit=dealer),
        "reports": "/reports/",
        "notices": "/notices/",
        "audits": "/audits/",
        "dealer": f"/dealers/{dealer_id}",
    }


@pytest.fixture(scope="module")
def site(schema, tmp_path_factory) -> Iterator[Site]:
    from portal.demo import seed_demo

    directory = tmp_path_factory.mktemp("layout")
    app = create_app(databases.test_config(schema.new_url(), directory))
    with app.app_context():
        demo = seed_demo()
        db.session.commit()
        east = max(
            (d for d in demo.dealers.values() if d.region.code == "EAST" and d.active),
            key=lambda d: len(d.stores),
        )
        urls = {
            "admin": _pages(demo.dealers["N04"].id, dealer=False),
            "supervisor": _pages(east.id, dealer=False),
            "dealer": _pages(demo.dealers["N04"].id, dealer=True),
        }
        # End the read above: outside a request it began with BEGIN IMMEDIATE (SQLite), and
        # the server's writes (sign-in) would wait on it.
        db.session.remove()
        with serve_in_thread(app) as base:
            yield Site(base=base, urls=urls)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def pages(browser, site) -> Iterator[dict]:
    """One signed-in page per role, kept for the module."""
    contexts, signed_in = [], {}
    for role, email in ROLES.items():
        context = browser.new_context(viewport={"width": 1366, "height": HEIGHT})
        contexts.append(context)
        page = context.new_page()
        sign_in(page, site.base, email, PASSWORD)
        signed_in[role] = page
    yield signed_in
    for context in contexts:
        context.close()


def _overflow(page) -> str | None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll <= inner:
        return None
    return f"page is {scroll} px wide in {inner} px: {page.evaluate(OVERFLOWING)}"


def _inside(page, locator, what: str) -> None:
    expect(locator, f"{what} is not visible").to_be_visible()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None, f"{what} has no box"
    assert box["x"] >= 0, f"{what} starts left of the window: {box}"
    assert box["x"] + box["width"] <= width, f"{what} ends past the {width} px window: {box}"


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
@pytest.mark.parametrize("width", DESKTOP_WIDTHS)
@pytest.mark.parametrize("role", list(ROLES))
def test_the_desktop_menu_fits_the_window(pages, site, role, width, locale):
    page = pages[role]
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.goto(f"{site.base}/home")
    use_locale(page, locale)

    assert _overflow(page) is None, _overflow(page)
    navigation = page.locator("nav.navbar")
    expanded = page.locator("#main-nav")
    assert expanded.is_visible()
    assert page.locator(".navbar-toggler").is_hidden()
    for link in navigation.locator(".navbar-nav > .nav-item > .nav-link").all():
        assert link.evaluate(LINES) == 1, f"{link.inner_text()!r} breaks over several lines"
    _inside(page, page.get_by_test_id("nav-search"), "the search box")
    _inside(page, page.get_by_test_id("inbox-link"), "the inbox link")
    menu = page.get_by_test_id("user-menu")
    _inside(page, menu, "the user menu")
    assert navigation.bounding_box()["height"] < 90, "the menu takes more than two rows"

    menu.click()
    _inside(page, page.get_by_test_id("sign-out"), "sign out")
    _inside(page, page.get_by_test_id("locale-select"), "the language choice")
    assert navigation.evaluate(LOW_CONTRAST) == [], "menu text under 4.5:1"
    page.keyboard.press("Escape")


# Every other page without parameters (a role's refusals too: error pages must reflow).
OTHER_PAGES = [
    "/account",
    "/account/password",
    "/actions/",
    "/admin/activity/",
    "/admin/users/",
    "/admin/users/new",
    "/assessments/",
    "/audits/findings",
    "/audits/schedule",
    "/dealer-files/exports",
    "/dealers/",
    "/dealers/import",
    "/dealers/new",
    "/inbox/",
    "/notices/new",
    "/plans/performance",
    "/plans/review",
    "/product-lines/",
    "/product-lines/new",
    "/prospects/",
    "/prospects/markets",
    "/prospects/new",
    "/prospects/review",
    "/regions/",
    "/regions/new",
    "/reports/import",
    "/reports/new",
    "/reports/review",
    "/search?q=an",
    "/standards/",
    "/standards/import",
    "/standards/new",
    "/stores/",
    "/stores/import",
    "/stores/new",
]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_other_page_reflows_at_320_px(pages, site, role):
    page = pages[role]
    page.set_viewport_size({"width": 320, "height": HEIGHT})
    use_locale(page, "en")
    problems = []
    for path in OTHER_PAGES:
        page.goto(f"{site.base}{path}")
        problem = _overflow(page)
        if problem:
            problems.append(f"{path}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", PHONE_WIDTHS)
@pytest.mark.parametrize("role", list(ROLES))
def test_the_main_pages_reflow_on_a_phone(pages, site, role, width):
    page = pages[role]
    page.set_viewport_size({"width": width, "height": HEIGHT})
    use_locale(page, "en")
    problems = []
    for name, path in site.urls[role].items():
        response = page.goto(f"{site.base}{path}")
        assert response.status == 200, f"{name} ({path}) answered {response.status}"
        problem = _overflow(page)
        if problem:
            problems.append(f"{name} ({path}): {problem}")
    assert not problems, "\n".join(problems)
    page.goto(f"{site.base}/home")
    _inside(page, page.locator(".navbar-toggler"), "the menu button")
    page.locator(".navbar-toggler").click()
    _inside(page, page.get_by_test_id("user-menu"), "the user menu")
    assert page.locator("nav.navbar").evaluate(LOW_CONTRAST) == [], "menu text under 4.5:1"


def test_a_menu_group_works_from_the_keyboard_with_a_visible_focus_ring(pages, site):
    page = pages["admin"]
    page.set_viewport_size({"width": 1366, "height": HEIGHT})
    page.goto(f"{site.base}/home")
    use_locale(page, "en")
    toggle = page.get_by_test_id("nav-network")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_text("Dealers")
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_text("Stores")
    page.keyboard.press("Escape")

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    ring = toggle.evaluate(
        "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineColor]"
    )
    assert ring == ["solid", "rgb(255, 255, 255)"], f"focus ring on the dark bar: {ring}"


# Each visible text of a chart: its size on screen and its margins inside the chart's box.
CHART_TEXT = """(svg) => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const found = [];
  for (const text of svg.querySelectorAll('text')) {
    if (!text.getClientRects().length) continue;  // a label set not shown at this width
    const r = text.getBoundingClientRect();
    found.push({
      text: text.textContent,
      px: parseFloat(text.getAttribute('font-size')) * scale,
      left: r.left - box.left,
      right: box.right - r.right,
    });
  }
  return found;
}"""


@pytest.mark.parametrize("width", [320, 390, 1366])
@pytest.mark.parametrize("role", list(ROLES))
def test_charts_keep_legible_unclipped_labels_and_a_table(pages, site, role, width):
    page = pages[role]
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.goto(f"{site.base}/home")
    use_locale(page, "en")
    charts = page.locator("svg.chart").all()
    assert charts, "no chart on the home page"
    for chart in charts:
        texts = chart.evaluate(CHART_TEXT)
        assert texts, "a chart without labels"
        small = [t for t in texts if t["px"] < 10]
        assert not small, f"text under 10 px at {width} px: {small}"
        clipped = [t for t in texts if t["left"] < -0.5 or t["right"] < -0.5]
        assert not clipped, f"labels cut at the chart's edge at {width} px: {clipped}"
        figure = chart.locator("xpath=..")
        table = figure.locator("details.chart-data table")
        expect(table).to_have_count(1)
        figure.locator("details.chart-data summary").click()
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() >= 2


def test_the_sign_in_page_fits_and_its_language_switch_is_legible(browser, site):
    context = browser.new_context(viewport={"width": 1366, "height": HEIGHT})
    try:
        page = context.new_page()
        page.goto(f"{site.base}/sign-in")
        navigation = page.locator("nav.navbar")
        assert navigation.evaluate(LOW_CONTRAST) == [], "menu text under 4.5:1"
        page.set_viewport_size({"width": 320, "height": HEIGHT})
        assert _overflow(page) is None, _overflow(page)
        page.locator(".navbar-toggler").click()
        _inside(page, page.get_by_test_id("locale-submit"), "the language switch")
        assert navigation.evaluate(LOW_CONTRAST) == [], "menu text under 4.5:1"
    finally:
        context.close()
