"""S13: security headers on every response, and no inline script or style in any page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.demo.network import DEMO_PASSWORD
from tests.conftest import client_for
from tests.security.canary import sweep_urls
from tests.security.crawler import Page, crawl

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
ROLES = {
    "admin": "admin@demo.example",
    "supervisor": "south.supervisor@demo.example",
    "dealer": "n01@demo.example",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(page: Page, *, signed_in: bool) -> None:
    headers = page.headers
    where = f"{page.url} ({page.status})"
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{where}: no script-src"
    assert "'unsafe-inline'" not in scripts, where
    assert "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts, where
    assert csp.get("object-src") == ["'none'"], where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in REFERRER_POLICIES, where
    if signed_in:
        assert "no-store" in headers.get("Cache-Control", ""), where


def _anonymous_pages(client) -> list[Page]:
    return crawl(client, ("/", "/sign-in", "/healthz", "/readyz", "/no-such-page", "/home"))


def test_anonymous_pages_carry_the_security_headers_and_no_inline_code(client, demo):
    pages = _anonymous_pages(client)

    assert any(page.url == "/sign-in" and page.status == 200 for page in pages)
    for page in pages:
        assert_secure_headers(page, signed_in=False)
        assert not page.is_html or inline_code(page.text) == [], page.url


@pytest.mark.parametrize("role", list(ROLES))
def test_signed_in_pages_carry_the_security_headers_and_no_inline_code(app, demo, role):
    """Every page the role reaches (all GET rules, ids enumerated), error pages included."""
    client = client_for(app, ROLES[role], DEMO_PASSWORD)

    pages = crawl(client, ("/home",), sweep_urls(app), max_pages=250)

    assert len([page for page in pages if page.is_html and page.status == 200]) > 10
    for page in pages:
        assert_secure_headers(page, signed_in=True)
        assert not page.is_html or inline_code(page.text) == [], page.url


def test_error_responses_are_not_cached(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "no-store" in response.headers["Cache-Control"]


# No inline script or style: the CSP would block them, so they must not exist.


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        data_block = names.get("type") in ("application/json", "application/ld+json")
        if tag == "script" and "src" not in names and not data_block:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.problems


def test_the_scanner_finds_inline_code():
    html = '<p style="color:red" onclick="x()"><script>alert(1)</script><a href="javascript:x">'

    assert len(inline_code(html)) == 4


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_contain_no_inline_script_or_style(template):
    source = template.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(source)
    assert not STYLE_ATTRIBUTE.search(source)
    assert not HANDLER_ATTRIBUTE.search(source)
