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
