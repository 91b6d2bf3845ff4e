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
from portal.models import search_index
from tests.support import databases


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    with databases.empty_app("migrations", tmp_path) as app:
        yield app


def _tables() -> set[str]:
    """The tables, less Alembic's own and the search index's (FTS5 tables on SQLite)."""
    found = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in found if not search_index.is_search_index(name)}


def _differences() -> list:
    with db.engine.connect() as connection:
        # As portal/migrations/env.py tells autogenerate: the search index is no model's.
        opts = {"compare_type": True, "include_name": search_index.compared}
        context = MigrationContext.configure(connection, opts=opts)
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


def _search_index() -> set[str]:
    inspector = inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        names = {i["name"] for table in ("dealers", "stores") for i in inspector.get_indexes(table)}
    else:
        names = set(inspector.get_table_names())
    return {name for name in names if search_index.is_search_index(name)}


def test_the_search_index_comes_and_goes_with_its_migration(empty_app):
    upgrade()
    expected = set(
        search_index.TRIGRAM_INDEXES
        if db.engine.dialect.name == "postgresql"
        else search_index.FTS_TABLES
    )
    assert expected <= _search_index()

    downgrade(revision="0018")  # before 0019, the search index
    assert _search_index() == set()

    upgrade()
    assert expected <= _search_index()
