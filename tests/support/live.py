"""Live servers for tests that need real HTTP: a thread serving the test's app, or gunicorn."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.support.databases import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 from a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def gunicorn(
    database_url: str, instance: Path, *, workers: int = 3, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run `gunicorn app:app` on 127.0.0.1 against `database_url`; yields the base URL.

    The database must already be migrated (and seeded as the test needs).
    """
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_SESSION_COOKIE_SECURE": "false",
        # Throttling is per address; the load tests all come from 127.0.0.1.
        "PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS": "100000",
        # The test config's cheap argon2 parameters (tests/support/databases.test_config):
        # accounts made by the test's factories are not rehashed at every sign-in.
        "PORTAL_ARGON2_MEMORY_KIB": "64",
        "PORTAL_ARGON2_TIME_COST": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "tests.support.clocked_gunicorn",
        "--workers",
        str(workers),
        "--threads",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "app:app",
    ]
    log = open(instance / "gunicorn.log", "w+b")  # noqa: SIM115  (closed in finally)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError("gunicorn exited:\n" + log.read().decode(errors="replace")[-4000:])
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready within 30 s")


def tally_report_submission(outcome, response) -> None:
    """Count one POST /reports/new answer: acknowledged (a redirect to the saved report),
    a 5xx, or any other status."""
    location = response.headers.get("Location", "")
    if response.status_code == 302 and re.search(r"/reports/[0-9]+$", location):
        outcome["acknowledged"] += 1
    elif response.status_code >= 500:
        outcome["5xx"] += 1
    else:
        outcome[f"status_{response.status_code}"] += 1


PATIENCE_SECONDS = 120  # a loaded two-core machine is slow; never a timing assertion


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition()` holds, reading the test's database afresh each time and
    ending the read after it (so SQLite writers in servers and workers go on)."""
    from portal.extensions import db

    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        db.session.expire_all()
        held = condition()
        db.session.commit()
        if held:
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")
