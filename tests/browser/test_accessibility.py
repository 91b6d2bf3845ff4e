"""axe-core finds no WCAG 2.1 A/AA violation on the main pages of every role, in both languages
(issue 11, "Accessibility").

axe-core comes from npm (`package.json`, installed with `npm ci`); the browser fetches it from
the test run itself (a Playwright route answering with the installed file), never from a CDN,
and the app's Content-Security-Policy (`script-src 'self'`) lets a same-origin script in.
One app with the demo network serves the module; each role signs in once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import (
    Audit,
    AuditStatus,
    Notice,
    NoticeStatus,
)
from tests.support import databases
from tests.support.browser import sign_in, use_locale
from tests.support.live import serve_in_thread
from tests.support.plans import plan_grid_url

# axe and the layout judge the HTML, CSS and script the browser gets, which no database
# changes: the module runs on SQLite only (tests/conftest.py, ANY_DATABASE).
pytestmark = [pytest.mark.browser, pytest.mark.any_database]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test-only__/axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "portal-demo"
ROLES = {
    "admin": "admin@demo.example",
    "supervisor": "south.supervisor@demo.example",
    "dealer": "n04@demo.example",
}
LOCALES = ["en", "zh_Hans"]

# Lists every role opens, and the detail page reached from each (first link matching).
LISTS = {
    "home": ("/home", None),
    "plans": ("/plans/", r"^/plans/\d+$"),
    "reports": ("/reports/", r"^/reports/\d+$"),
    # A dealer's notices open through a form (it records the reading).
    "notices": ("/notices/", r"^(/notices/\d+)(?:/open)?$"),
    "audits": ("/audits/", r"^/audits/\d+$"),
    "corrective actions": ("/actions/", r"^/actions/\d+$"),
    "assessments": ("/assessments/", r"^/assessments/\d+$"),
    "inbox": ("/inbox/", None),
    "account": ("/account", None),
    "change password": ("/account/password", None),
    "mail choices": ("/account/mail", None),
}
DEALER_LISTS = {
    "new report": ("/reports/new", None),
    "import actuals": ("/reports/import", None),
}
STAFF_LISTS = {
    "dealers": ("/dealers/", r"^/dealers/\d+$"),
    "stores": ("/stores/", None),
    "plans review": ("/plans/review", None),
    "plan vs actual": ("/plans/performance", None),
    "reports review": ("/reports/review", None),
    "audit findings": ("/audits/findings", None),
    "schedule an audit": ("/audits/schedule", None),
    "new notice": ("/notices/new", None),
    "search": ("/search?q=an", None),
}
ADMIN_LISTS = {
    "users": ("/admin/users/", None),
    "new user": ("/admin/users/new", None),
    "activity": ("/admin/activity/", None),
    "regions": ("/regions/", None),
    "new region": ("/regions/new", None),
    "product lines": ("/product-lines/", None),
    "new dealer": ("/dealers/new", None),
    "import stores": ("/stores/import", None),
    "standards": ("/standards/", r"^/standards/\d+$"),
    "dealer file exports": ("/dealer-files/exports", None),
    "outbox": ("/admin/outbox", None),
}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],  // passes and the rest summarised: far less work per page
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    count: v.nodes.length,
  }));
}"""

LINKS = """() => [...document.querySelectorAll('main a[href], main form[action]')]
  .map((e) => e.getAttribute(e.tagName === 'A' ? 'href' : 'action'))"""


@dataclass
class Site:
    base: str
    plan_grid: str
    # Pages no list links to in a way the walk follows: an audit being conducted, and a
    # published notice's tracking and its first version (opened as an admin).
    admin_pages: dict[str, str]


def _axe_source() -> bytes:
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE} is missing): run `npm ci --no-audit --no-fund` "
            "at the repository root before the browser tests"
        )
    return AXE.read_bytes()


def _admin_pages() -> dict[str, str]:
    conducted = db.session.scalar(
        select(Audit.id).where(Audit.status == AuditStatus.IN_PROGRESS).limit(1)
    )
    notice = db.session.scalar(
        select(Notice.id).where(Notice.status == NoticeStatus.PUBLISHED).order_by(Notice.id)
    )
    return {
        "audit being conducted": f"/audits/{conducted}/conduct",
        "notice tracking": f"/notices/{notice}/tracking",
        "notice version": f"/notices/{notice}/versions/1",
    }


@pytest.fixture(scope="module")
def axe_source() -> bytes:
    return _axe_source()


@pytest.fixture(scope="module")
def site(schema, tmp_path_factory, axe_source) -> Iterator[Site]:
    from portal.demo import seed_demo

    directory = tmp_path_factory.mktemp("accessibility")
    # A mail server configured (nothing consumes the queue here, so nothing is sent): the
    # mail pages and "Forgot password?" exist only when mail can go out.
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_BASE_URL": "http://127.0.0.1"}
    app = create_app(databases.test_config(schema.new_url(), directory, **mail))
    with app.app_context():
        demo = seed_demo()
        db.session.commit()
        plan_grid = plan_grid_url(demo.dealers["N04"].id)
        admin_pages = _admin_pages()
        # End the read above before serving (SQLite: the server's writes would wait on it).
        db.session.remove()
        with serve_in_thread(app) as base:
            yield Site(base=base, plan_grid=plan_grid, admin_pages=admin_pages)
        db.session.remove()
        db.engine.dispose()


def _new_page(browser, site: Site, axe_source: bytes):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route(
        f"{site.base}{AXE_PATH}",
        lambda route: route.fulfill(
            status=200, body=axe_source, headers={"Content-Type": "text/javascript"}
        ),
    )
    return context, context.new_page()


@pytest.fixture(scope="module")
def pages(browser, site, axe_source) -> Iterator[dict]:
    """One signed-in page per role, kept for the module."""
    contexts, signed_in = [], {}
    for role, email in ROLES.items():
        context, page = _new_page(browser, site, axe_source)
        contexts.append(context)
        sign_in(page, site.base, email, PASSWORD)
        signed_in[role] = page
    yield signed_in
    for context in contexts:
        context.close()


def _violations(page, site: Site, name: str) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on the loaded page, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=f"{site.base}{AXE_PATH}")
    found = page.evaluate(RUN_AXE, TAGS)
    return [
        f"{name} ({page.url.removeprefix(site.base)}): {v['id']} [{v['impact']}] {v['help']}"
        f" — {v['count']} node(s): {json.dumps(v['targets'], ensure_ascii=False)}"
        for v in found
    ]


def _check(page, site: Site, name: str, path: str) -> list[str]:
    response = page.goto(f"{site.base}{path}")
    if response is None or response.status != 200:
        return [f"{name} ({path}) answered {response and response.status}"]
    return _violations(page, site, name)


def _first_link(page, pattern: str) -> str | None:
    for href in page.evaluate(LINKS):
        found = re.match(pattern, href.split("?")[0].split("#")[0])
        if found:
            return found.group(1) if found.groups() else found.group(0)
    return None


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", list(ROLES))
def test_the_main_pages_have_no_axe_violation(pages, site, role, locale):
    page = pages[role]
    page.goto(f"{site.base}/home")
    use_locale(page, locale)
    lists = dict(LISTS)
    lists.update(DEALER_LISTS if role == "dealer" else STAFF_LISTS)
    if role == "admin":
        lists.update(ADMIN_LISTS)
    problems, missing = [], []
    for name, (path, detail) in lists.items():
        problems += _check(page, site, name, path)
        if detail is None:
            continue
        link = _first_link(page, detail)
        if link is None:
            missing.append(f"{name}: no link to a detail page ({detail})")
            continue
        problems += _check(page, site, f"one of {name}", link)
    if role == "dealer":
        problems += _check(page, site, "plan grid", site.plan_grid)
    if role == "admin":
        for name, path in site.admin_pages.items():
            problems += _check(page, site, name, path)
    # The menus, opened one by one (axe skips what is hidden).
    page.goto(f"{site.base}/home")
    for toggle in page.locator("nav.navbar [data-bs-toggle=dropdown]").all():
        toggle.click()
        problems += _violations(page, site, f"menu {toggle.inner_text().strip()!r} open")
        page.keyboard.press("Escape")
    # A form sent back with errors.
    page.goto(f"{site.base}/account/password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    problems += _violations(page, site, "password form with errors")
    if role == "admin":
        page.goto(f"{site.base}/dealer-files/exports")
        with page.expect_navigation():
            page.get_by_test_id("start-export").click()
        problems += _violations(page, site, "export progress")
        # Its progress is announced: a polite live region (issue 11).
        progress = page.get_by_test_id("export-progress")
        assert progress.get_attribute("role") == "status"
        assert progress.get_attribute("aria-live") == "polite"
    assert not problems, "axe-core WCAG 2.1 AA violations:\n" + "\n".join(problems)
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sign_in_page_has_no_axe_violation(browser, site, axe_source, locale):
    context, page = _new_page(browser, site, axe_source)
    try:
        page.goto(f"{site.base}/sign-in")
        use_locale(page, locale)
        assert page.locator("html").get_attribute("lang") == locale.replace("_", "-")
        problems = _violations(page, site, "sign-in")
        page.fill("input[name=email]", "nobody@demo.example")
        page.fill("input[name=password]", "wrong password")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        problems += _violations(page, site, "sign-in refused")
        page.goto(f"{site.base}/forgot-password")
        problems += _violations(page, site, "forgot password")
        page.fill("input[name=email]", "nobody@demo.example")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        problems += _violations(page, site, "forgot password sent")
        assert not problems, "axe-core WCAG 2.1 AA violations:\n" + "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_api_documentation_has_no_axe_violation(browser, site, axe_source, locale):
    """/api/v1/docs (Swagger UI, public): as rendered, with a write and a list with its
    parameters opened (and "Try it out"), and with the Authorize dialog open."""
    context, page = _new_page(browser, site, axe_source)
    try:
        page.goto(f"{site.base}/sign-in")
        use_locale(page, locale)
        response = page.goto(f"{site.base}/api/v1/docs")
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == locale.replace("_", "-")
        operations = page.locator(".swagger-ui .opblock")
        operations.first.wait_for()
        problems = _violations(page, site, "API documentation")
        write = page.locator(".swagger-ui .opblock-post").first
        listing = page.locator(".swagger-ui .opblock-get").first
        for operation in (write, listing):
            operation.locator(".opblock-summary-control").click()
            operation.locator(".opblock-body").wait_for()
        listing.locator(".try-out__btn").click()
        listing.locator(".execute").wait_for()
        problems += _violations(page, site, "API documentation, two operations open")
        page.locator(".swagger-ui .btn.authorize").first.click()
        page.locator(".swagger-ui .modal-ux").wait_for()
        problems += _violations(page, site, "API documentation, Authorize dialog")
        assert not problems, "axe-core WCAG 2.1 AA violations:\n" + "\n".join(problems)
    finally:
        context.close()
