"""R9: the migrations build the schema from nothing, match the models, and go down and up again.

Runs on the suite's database engine: a SQLite file, or a PostgreSQL database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, Table, inspect

from portal.extensions import db
from tests.support import databases


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    with databases.empty_app("migrations", tmp_path) as app:
        yield app


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _head() -> str:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_from_empty_builds_every_table_and_matches_the_models(empty_app):
    assert _tables() == set()

    upgrade()

    assert _tables() == set(db.metadata.tables)
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(empty_app):
    upgrade()
    head = _head()

    downgrade(revision="base")
    assert _tables() == set()

    upgrade()
    assert _head() == head
    assert _differences() == []


def test_the_comparison_notices_a_model_the_migrations_lack(empty_app):
    upgrade()
    extra = Table("not_migrated", db.metadata, Column("id", Integer, primary_key=True))
    try:
        differences = _differences()
    finally:
        db.metadata.remove(extra)

    assert [diff[0] for diff in differences] == ["add_table"]
