"""In-app notifications that are mailed too: each becomes one mail to the same user."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
