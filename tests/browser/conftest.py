"""Browser tests: Playwright drives Debian's Chromium against the test's app on 127.0.0.1."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support.factories import PASSWORD
from tests.support.live import serve_in_thread


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium not found: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def live_server(app):
    """The test's own app, served over HTTP with its job queue run by threads beside it;
    data made in the test is visible to it."""
    from portal.extensions import db
    from portal.jobs import embedded_consumer

    db.session.commit()
    with serve_in_thread(app) as base_url, embedded_consumer(app):
        yield base_url


@pytest.fixture
def sign_in(page, live_server):
    """Sign the page in through the real form; returns after the home page loads."""

    def _sign_in(email: str, password: str = "portal-demo"):
        page.goto(f"{live_server}/sign-in")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server}/home")
        return page

    return _sign_in


def signed_in_page(browser, live_server: str, email: str, *, width: int = 1024, height: int = 768):
    """A fresh browser context (its own cookies) signed in as `email` through the real form."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{live_server}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    return page
