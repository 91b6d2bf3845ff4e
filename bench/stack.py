"""A live portal for benchmarks: a scratch database and Redis queue, gunicorn nodes and queue
workers as processes of their own, each optionally pinned to one CPU core.

    with stack.scratch("hostile") as portal:   # database bench_hostile, a temporary
        portal.migrate()                        # instance folder, a Redis queue of its own
        portal.seed_large(200)
        with portal.node(cpu=0) as base, portal.worker(cpu=1):
            ...

Every process gets the same settings, as the nodes of one deployment would: one database
(PostgreSQL by default, or a SQLite file for a one-host run), one queue (Redis; the SQLite
queue in the instance folder with a SQLite database) and one instance folder, hence one
upload storage. The database is dropped and the queue emptied at the end.

PostgreSQL: PORTAL_BENCH_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432);
Redis: PORTAL_BENCH_REDIS (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests
from flask import Flask
from huey import PriorityRedisHuey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from tests.support.databases import TEST_SECRET
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("PORTAL_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("PORTAL_BENCH_REDIS", "redis://127.0.0.1:6379/0")
LARGE_PASSWORD = "portal-large"  # every account `flask seed-large` makes


class Process:
    """A server or worker process with its log file; stopped by `stop()` or `kill()`."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.label, self.log = label, log
        self._log = open(log, "w+b")  # noqa: SIM115  (closed in stop)
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """`kill -9`: no clean-up, no goodbye, as a crash or an OOM kill would leave it."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def pinned(cpu: int | None) -> list[str]:
    """The command prefix that keeps a process (and every child it starts) on one core."""
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


@dataclass
class Portal:
    """One deployment's shared settings, and ways to start its processes."""

    database_url: str
    instance: Path
    queue_url: str | None
    queue_name: str
    settings: dict[str, str] = field(default_factory=dict)  # extra PORTAL_* variables
    processes: list[Process] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PORTAL_DATABASE_URL": self.database_url,
            "PORTAL_SECRET_KEY": TEST_SECRET,
            "PORTAL_INSTANCE_PATH": str(self.instance),
            "PORTAL_QUEUE_NAME": self.queue_name,
            "PORTAL_SESSION_COOKIE_SECURE": "false",
            # Sign-in throttling counts per address; every benchmark client is 127.0.0.1.
            "PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS": "100000",
            **self.settings,
        }
        if self.queue_url:
            env["PORTAL_QUEUE_URL"] = self.queue_url
        return env

    def flask(self, *args: str) -> str:
        """Run `flask --app app ARGS` against this deployment; returns its output."""
        command = [sys.executable, "-m", "flask", "--app", "app", *args]
        done = subprocess.run(command, cwd=ROOT, env=self.env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def migrate(self) -> None:
        self.flask("db", "upgrade")

    def seed_large(self, dealers: int) -> float:
        """`flask seed-large --dealers N`; returns the seconds it took."""
        started = time.perf_counter()
        self.flask("seed-large", "--dealers", str(dealers))
        return time.perf_counter() - started

    def app(self, **overrides: Any) -> Flask:
        """The app in this process, on the same database, queue and instance folder."""
        config = {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": str(self.instance),
            "QUEUE_URL": self.queue_url,
            "QUEUE_NAME": self.queue_name,
            **overrides,
        }
        return create_app(config)

    def sql(self, statement: str, **values: Any) -> list[Any]:
        """Rows of one SQL statement, on a connection of its own (committed)."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), values)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def start_node(
        self, *, cpu: int | None = None, workers: int = 2, threads: int = 1, label: str = "node"
    ) -> tuple[Process, str]:
        """gunicorn on 127.0.0.1 (pinned to `cpu` if given); returns it and its base URL.

        One thread: gunicorn's sync workers, as the README deploys the portal (more than one
        makes them gthread workers)."""
        port = free_port()
        command = [
            *pinned(cpu),
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "app:app",
        ]
        process = self._start(label, command)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not process.alive():
                raise SystemExit(f"{label} exited:\n{process.output()[-4000:]}")
            try:
                if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return process, base
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{label} did not become ready within 60 s")

    def start_worker(
        self,
        *,
        cpu: int | None = None,
        threads: int = 2,
        nice: int | None = None,
        label: str = "worker",
    ) -> Process:
        """`flask --app app worker --workers THREADS` (pinned to `cpu` if given; `nice`
        passed on as `--nice`, else the command's default)."""
        command = [*pinned(cpu), sys.executable, "-m", "flask", "--app", "app", "worker"]
        command += ["--workers", str(threads)]
        if nice is not None:
            command += ["--nice", str(nice)]
        process = self._start(label, command)
        deadline = time.monotonic() + 60
        while "Worker on" not in process.output():
            if not process.alive() or time.monotonic() > deadline:
                raise SystemExit(f"{label} did not start:\n{process.output()[-4000:]}")
            time.sleep(0.1)
        return process

    @contextmanager
    def node(self, **options: Any) -> Iterator[str]:
        process, base = self.start_node(**options)
        try:
            yield base
        finally:
            process.stop()

    @contextmanager
    def worker(self, **options: Any) -> Iterator[Process]:
        process = self.start_worker(**options)
        try:
            yield process
        finally:
            process.stop()

    def _start(self, label: str, command: list[str]) -> Process:
        log = self.instance / f"{label}.log"
        process = Process(label, command, self.env(), log)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def admin_dsn() -> str:
    return (
        make_url(POSTGRES + "/postgres")
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its SQLAlchemy URL."""
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch(
    name: str, *, database: str = "postgresql", settings: dict[str, str] | None = None
) -> Iterator[Portal]:
    """A deployment on a new database `bench_<name>` (or a SQLite file) with a new queue;
    its processes are stopped, and its database, queue and folder removed, at the end."""
    instance = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    queue_name = f"bench-{name}-{secrets.token_hex(4)}"
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, instance, ignore_errors=True)
        if database == "sqlite":  # the queue too: SQLite in the instance folder
            url, queue_url = f"sqlite:///{instance / 'bench.sqlite3'}", None
        else:
            url, queue_url = cleanup.enter_context(postgres_database(f"bench_{name}")), REDIS
            cleanup.callback(PriorityRedisHuey(queue_name, results=False, url=REDIS).flush)
        portal = Portal(url, instance, queue_url, queue_name, dict(settings or {}))
        cleanup.callback(portal.stop_all)
        yield portal
