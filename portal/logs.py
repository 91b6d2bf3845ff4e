"""Logging: one JSON line per request on stderr, and the request id that ties lines, error
pages, activity entries and jobs together.

The request id is `g.request_id` (set first thing in every request by portal/security.py):
the `X-Request-ID` a trusted proxy sent, when it looks like an id, else a fresh one. Jobs
carry it with `current_request_id()` when queued and run under `request_id_bound(id)`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_app_context, has_request_context, request
from sqlalchemy import event

from portal.extensions import db

REQUEST_LOGGER = "portal.requests"
# What an incoming id may look like: short, printable, nothing a log or header could misread.
# 40 characters at most: activity entries store the id in a String(40) column.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,39}")
_bound_request_id: ContextVar[str] = ContextVar("bound_request_id", default="")


def new_request_id() -> str:
    return secrets.token_hex(8)


def trusted_request_id(value: str | None, *, trusted: bool) -> str | None:
    """The incoming `X-Request-ID` if the proxy that sent it is trusted and it looks safe."""
    if not trusted or not value or not SAFE_REQUEST_ID.fullmatch(value):
        return None
    return value


def current_request_id() -> str:
    """The id of the request being served, or of the job running (see `request_id_bound`)."""
    if has_app_context():
        found = g.get("request_id")
        if found:
            return found
    return _bound_request_id.get()


@contextmanager
def request_id_bound(value: str) -> Iterator[None]:
    """Run a job under the id of the request that started it (log lines, activity entries)."""
    token = _bound_request_id.set(value if SAFE_REQUEST_ID.fullmatch(value or "") else "")
    try:
        yield
    finally:
        _bound_request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a request's line carries its fields in `record.fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        elif (request_id := current_request_id()) and "request_id" not in line:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the line is written (test capture included)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_logging(app: Flask) -> None:
    """Install the JSON handler, the request line and the query counter on the app."""
    _configure_handler(app)
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "before_cursor_execute", _count_query):
        event.listen(engine, "before_cursor_execute", _count_query)
    # Before the other before-request hooks (CSRF, sign-in, access), so the duration covers them.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_log_request)


def _configure_handler(app: Flask) -> None:
    from flask.logging import default_handler

    logger = logging.getLogger("portal")  # app.logger and every portal.* logger
    logger.removeHandler(default_handler)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())


def _count_query(*_args: Any) -> None:
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    g.query_count = 0


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    user = g.get("_login_user")  # only a user already loaded: logging runs no query
    status = response.status_code
    fields = {
        "request_id": current_request_id(),
        "user_id": getattr(user, "id", None),
        "method": request.method,
        "path": request.path,  # never the query string (tokens, search terms)
        "endpoint": request.endpoint,
        "status": status,
        "duration_ms": round(duration, 1) if duration is not None else None,
        "queries": g.get("query_count", 0),
    }
    level = logging.ERROR if status >= 500 else logging.INFO
    logging.getLogger(REQUEST_LOGGER).log(level, "request", extra={"fields": fields})
    return response
