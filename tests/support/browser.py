"""Helpers for the Playwright tests."""

from __future__ import annotations


def sign_out(page) -> None:
    """Submit the menu's sign-out form, so the server ends the session.

    Clearing the browser's cookies instead races with responses still in flight (a
    favicon, say), which set the session cookie again. The form is submitted directly:
    opening the collapsed phone menu first only adds a race with Bootstrap's animation.
    """
    page.locator("[data-testid=sign-out]").evaluate("button => button.form.requestSubmit()")
    page.wait_for_url("**/sign-in**")


def sign_in(page, base: str, email: str, password: str) -> None:
    """Sign in through the form and wait for the home page."""
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/home")


def use_locale(page, locale: str) -> None:
    """Switch the page's language with the menu's language form (no-op if it is already)."""
    if page.locator("html").get_attribute("lang") == locale.replace("_", "-"):
        return
    with page.expect_navigation():
        page.evaluate(
            """(code) => {
              const select = document.querySelector('[data-testid=locale-select]');
              select.value = code;
              select.form.requestSubmit();
            }""",
            locale,
        )
    assert page.locator("html").get_attribute("lang") == locale.replace("_", "-")
