"""The reminder schedule."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""


def run() -> int:
    return 0
