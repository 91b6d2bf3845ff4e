"""One SQL compilation per statement per worker, not per test.

Every test builds its own app, hence its own engine (a fresh SQLite file, or the worker's
PostgreSQL database emptied). SQLAlchemy caches each statement's compiled SQL per engine,
keyed by the engine's dialect object: a new engine compiles every statement again, which
was about a fifth of the fast suite's CPU. Here the engines a worker makes for the same
backend, driver and options share one dialect and one compiled cache, so a statement is
compiled once per worker. Connections, pools and event listeners stay per engine; the
dialect holds no per-database state beyond the server's version, which is the same for
every test database of a run.

Tests only: production makes one engine per process and keeps it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import Engine
from sqlalchemy.util import LRUCache

_make_engine = SQLAlchemy._make_engine
_shared: dict[tuple[str, str, str], tuple[Any, LRUCache]] = {}


def _sharing_make_engine(
    self: SQLAlchemy, bind_key: str | None, options: dict[str, Any], app: Flask
) -> Engine:
    engine = _make_engine(self, bind_key, options, app)
    settings = repr(sorted((k, repr(v)) for k, v in options.items() if k != "url"))
    key = (engine.url.get_backend_name(), engine.url.get_driver_name(), settings)
    dialect, cache = _shared.setdefault(key, (engine.dialect, LRUCache(5000)))
    engine.dialect = dialect
    engine.pool._dialect = dialect
    engine._compiled_cache = cache
    return engine


def share_compiled_sql() -> None:
    """Install the sharing for this process (called once, from pytest_configure)."""
    SQLAlchemy._make_engine = _sharing_make_engine  # type: ignore[method-assign]
