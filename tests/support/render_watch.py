"""A gunicorn config module that records every Markdown rendering the server attempts.

    GUNICORN_CMD_ARGS="--config python:tests.support.render_watch"
    PORTAL_TEST_RENDER_LOG=/path/to/file

gunicorn calls `on_starting` in its master before any worker loads the app, so the
workers (forked from the master) call the wrapped functions: each call appends one line,
the function's name and the process id, to the file, then runs the real function
unchanged. Importing this module changes nothing.
A live test reads the file to prove which requests rendered Markdown (none should, when
a page is only viewed: pages show the HTML stored when the text was saved).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown

from portal import richtext

LOG_ENV = "PORTAL_TEST_RENDER_LOG"


def calls(path: Path) -> list[str]:
    """The recorded calls, oldest first ("render", "check_shape", ...)."""
    if not path.exists():
        return []
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def _recorded(name: str, function: Callable[..., Any], log: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with open(log, "a") as file:  # one short append per call: safe across processes
            file.write(f"{name} {os.getpid()}\n")
        return function(*args, **kwargs)

    return wrapper


def on_starting(_server: Any) -> None:
    """gunicorn's hook, in the master before the workers start: wrap the renderers."""
    log = os.environ[LOG_ENV]
    # Module attributes: richtext's own functions look each other up through them, and the
    # app's modules (imported later, in the workers) import the wrapped versions.
    for name in ("render", "check_shape", "_run_child", "render_or_plain"):
        setattr(richtext, name, _recorded(name, getattr(richtext, name), log))
    markdown.markdown = _recorded("markdown", markdown.markdown, log)
    markdown.Markdown.convert = _recorded("convert", markdown.Markdown.convert, log)
