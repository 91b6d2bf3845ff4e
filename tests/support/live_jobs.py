"""A live stack for tests: a database of their own, seeded in-process, gunicorn
(tests/support/live.py) and `flask --app app worker` in processes of their own.

On SQLite the queue is the embedded one (instance/queue.sqlite3, shared by gunicorn and
the worker through the instance folder); on PostgreSQL it is Redis, as in production,
under a queue name of its own (parallel runs share the one Redis).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.support import databases
from tests.support.live import ROOT

REDIS_URL = "redis://127.0.0.1:6379/0"


@contextmanager
def live_database(label: str, instance: Path) -> Iterator[str]:
    """A fresh database migrated to head (dropped afterwards on PostgreSQL): its URL."""
    url = databases.fresh_database(label, instance)
    try:
        databases.migrate_to_head(url, instance)
        yield url
    finally:
        if databases.is_postgres():
            databases.drop_postgres_database(make_url(url).database)


def queue_env() -> dict[str, str]:
    """PORTAL_* settings that put gunicorn and the worker on one queue."""
    if not databases.is_postgres():
        return {}  # the SQLite queue in the shared instance folder
    return {"PORTAL_QUEUE_URL": REDIS_URL, "PORTAL_QUEUE_NAME": f"live-{uuid.uuid4().hex}"}


@contextmanager
def seeding(url: str, instance: Path, **config) -> Iterator[Flask]:
    """An app on `url` in context, for seeding with the factories (engine disposed after)."""
    app = create_app(databases.test_config(url, instance, **config))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@contextmanager
def worker(
    database_url: str, instance: Path, *, env: dict[str, str], threads: int = 2
) -> Iterator[subprocess.Popen]:
    """`flask --app app worker` on the test clock, for the app gunicorn serves."""
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": databases.TEST_SECRET,
        "PORTAL_INSTANCE_PATH": str(instance),
        **env,
    }
    command = [sys.executable, "-m", "tests.support.clocked_flask", "--app", "app", "worker"]
    command += ["--workers", str(threads)]
    log = open(instance / "worker.log", "w+b")  # noqa: SIM115  (closed in finally)
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        _flush_redis_queue(env)


def worker_log(instance: Path) -> str:
    path = instance / "worker.log"
    return path.read_bytes().decode(errors="replace") if path.exists() else ""


def _flush_redis_queue(env: dict[str, str]) -> None:
    if "PORTAL_QUEUE_URL" not in env:
        return
    from huey import PriorityRedisHuey

    PriorityRedisHuey(env["PORTAL_QUEUE_NAME"], url=env["PORTAL_QUEUE_URL"]).flush()
