"""Test databases: SQLite files or PostgreSQL databases, schema built from the migrations.

PORTAL_TEST_DATABASE_URL selects PostgreSQL (`postgresql+psycopg://user@host:port/name`);
without it every test runs on SQLite. Each xdist worker gets databases of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db

TEST_SECRET = "test-secret-key-not-for-production"


def postgres_base_url() -> str | None:
    return os.environ.get("PORTAL_TEST_DATABASE_URL") or None


def is_postgres() -> bool:
    return postgres_base_url() is not None


def worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_postgres_database(name: str) -> str:
    """(Re)create database `name` on the test server and return its SQLAlchemy URL."""
    base = make_url(postgres_base_url())
    admin_url = base.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # Tests never need a commit to survive a crash of the server: flushing the WAL on
        # every commit only slows them down (the isolation and locking they test are unchanged).
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    base = make_url(postgres_base_url())
    admin_url = base.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(label: str, directory: Path) -> str:
    """An empty database for one purpose (`label`): a new SQLite file or PostgreSQL database."""
    if is_postgres():
        base_name = make_url(postgres_base_url()).database
        return create_postgres_database(f"{base_name}_{label}_{worker_suffix()}")
    path = directory / f"{label}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def test_config(database_url: str, instance: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "INSTANCE_PATH": str(instance),
        # A sign-in verifies an argon2id hash: ~26 ms of CPU at the production parameters,
        # paid thousands of times by the suite. Tests sign in with the smallest parameters;
        # tests/security/test_passwords.py puts the production ones back and checks them (S10).
        "ARGON2_MEMORY_KIB": 64,
        "ARGON2_TIME_COST": 1,
    }
    config.update(overrides)
    return config


def migrate_to_head(database_url: str, instance: Path) -> None:
    """Build the schema from the migrations (never from create_all)."""
    from flask_migrate import upgrade

    app = create_app(test_config(database_url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def seed_demo_into(database_url: str, instance: Path) -> None:
    """Load the demo network into a migrated, empty database (uploads under `instance`)."""
    from portal.demo import seed_demo

    seed_into(database_url, instance, seed_demo)


def seed_into(database_url: str, instance: Path, seed: Callable[[], Any]) -> Any:
    """Run `seed` in an app on that database (files under `instance`), commit, return its
    result."""
    app = create_app(test_config(database_url, instance))
    with app.app_context():
        result = seed()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return result


@dataclass(frozen=True)
class DemoVariant:
    """The demo network with more seeded into it by `seed` (run once per worker, in an app
    on the template; what it returns is kept for every test that starts on a copy)."""

    name: str
    seed: Callable[[], Any]


def copy_instance(source: Path, target: Path) -> None:
    """The files a seeded database refers to (uploads, the queue), without the databases."""
    shutil.copytree(
        source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sqlite3*", "*.log")
    )


class SqliteTemplate:
    """A migrated SQLite file copied for each test: fast, and isolated.

    Seeding the demo network takes seconds, and a few dozen tests want it: it is seeded once
    per worker into a second template (`demo_url`), copied with its uploads for each of them.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.sqlite3"
        migrate_to_head(f"sqlite:///{self.template}", directory)
        self._checkpoint(self.template)
        self.count = 0
        self.demo_instance = directory / "demo-instance"
        self.demo_template: Path | None = None
        self.variants: dict[str, tuple[Path, Path, Any]] = {}  # name: (file, files, seeded)

    @staticmethod
    def _checkpoint(path: Path) -> None:
        import sqlite3

        # Everything in the main file, which stays in WAL mode: each copy then opens as the
        # app's engine wants it, with no journal-mode change (and its fsyncs) per test.
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def new_url(self) -> str:
        return self._copy(self.template)

    def demo_url(self, instance: Path) -> str:
        """A copy of the database with the demo network, its files copied into `instance`."""
        copy_instance(self._demo(), instance)
        return self._copy(self.demo_template)

    def _demo(self) -> Path:
        if self.demo_template is None:
            template = self.directory / "demo-template.sqlite3"
            shutil.copyfile(self.template, template)
            self.demo_instance.mkdir()
            seed_demo_into(f"sqlite:///{template}", self.demo_instance)
            self._checkpoint(template)
            self.demo_template = template
        return self.demo_instance

    def variant_url(self, variant: DemoVariant, instance: Path) -> tuple[str, Any]:
        """A copy of the demo network with `variant` seeded, and what its seed returned."""
        if variant.name not in self.variants:
            template = self.directory / f"demo-{variant.name}-template.sqlite3"
            files = self.directory / f"demo-{variant.name}-instance"
            copy_instance(self._demo(), files)
            shutil.copyfile(self.demo_template, template)
            seeded = seed_into(f"sqlite:///{template}", files, variant.seed)
            self._checkpoint(template)
            self.variants[variant.name] = (template, files, seeded)
        template, files, seeded = self.variants[variant.name]
        copy_instance(files, instance)
        return self._copy(template), seeded

    def _copy(self, template: Path) -> str:
        self.count += 1
        path = self.directory / f"test-{self.count}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"


class PostgresSchema:
    """One migrated PostgreSQL database per worker, emptied before each test.

    Tests that want the demo network get a copy of a database seeded once per worker
    (`CREATE DATABASE … TEMPLATE`), and its files copied into their instance folder.
    """

    def __init__(self, directory: Path) -> None:
        base_name = make_url(postgres_base_url()).database
        self.name = f"{base_name}_{worker_suffix()}"
        self.url = create_postgres_database(self.name)
        migrate_to_head(self.url, directory)
        self.directory = directory
        self.demo_instance = directory / "demo-instance"
        self.demo_name: str | None = None
        self.variants: dict[str, tuple[str, Path, Any]] = {}  # name: (database, files, seeded)

    def demo_url(self, instance: Path) -> str:
        copy_instance(self._demo(), instance)
        return self._copy(self.demo_name)

    def _demo(self) -> Path:
        if self.demo_name is None:
            name = f"{self.name}_demo"
            url = create_postgres_database(name)
            migrate_to_head(url, self.directory)
            self.demo_instance.mkdir()
            seed_demo_into(url, self.demo_instance)
            self.demo_name = name
        return self.demo_instance

    def variant_url(self, variant: DemoVariant, instance: Path) -> tuple[str, Any]:
        """A copy of the demo network with `variant` seeded, and what its seed returned."""
        if variant.name not in self.variants:
            files = self.directory / f"demo-{variant.name}-instance"
            copy_instance(self._demo(), files)
            name = f"{self.name}_demo_{variant.name}"
            url = self._copy(self.demo_name, name)
            seeded = seed_into(url, files, variant.seed)
            self.variants[variant.name] = (name, files, seeded)
        name, files, seeded = self.variants[variant.name]
        copy_instance(files, instance)
        return self._copy(name), seeded

    def _copy(self, template: str, copy: str | None = None) -> str:
        """A new database `copy` (by default the tests' demo copy) from `template`."""
        copy = copy or f"{self.name}_democopy"
        base = make_url(postgres_base_url())
        admin_url = base.set(drivername="postgresql", database="postgres")
        with psycopg.connect(
            admin_url.render_as_string(hide_password=False), autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
            conn.execute(f'ALTER DATABASE "{copy}" SET synchronous_commit = off')
        return base.set(database=copy).render_as_string(hide_password=False)

    def new_url(self) -> str:
        self.empty()
        return self.url

    def empty(self) -> None:
        """Delete every row and restart every sequence, as a fresh database would be.

        DELETE on tables that are nearly empty takes a few milliseconds where TRUNCATE of
        forty-odd tables takes 150 (it swaps each table's files); with the foreign-key
        triggers off for this transaction (`session_replication_role`) the order is free.
        """
        plain = make_url(self.url).set(drivername="postgresql")
        with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'alembic_version'"
            ).fetchall()
            conn.execute("SET LOCAL session_replication_role = replica")
            for (table,) in tables:
                conn.execute(f'DELETE FROM "{table}"')  # noqa: S608  (names from pg_tables)
            conn.execute(
                "SELECT setval(c.oid, 1, false) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = 'public'"
            )


@contextmanager
def empty_app(name: str, directory: Path) -> Iterator:
    """An app on a database of its own with no schema yet (dropped afterwards), in context."""
    url = fresh_database(name, directory)
    app = create_app(test_config(url, directory))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if is_postgres():
        drop_postgres_database(make_url(url).database)


def blocked_backends() -> int:
    """PostgreSQL sessions of this database waiting for a lock (a second writer), seen from
    the test's own session; ends its transaction so that the next look is a fresh snapshot."""
    count = db.session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
    )
    db.session.rollback()
    return int(count or 0)
