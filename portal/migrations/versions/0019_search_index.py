"""search_index: the index global search reads for dealers and stores (issue 13)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 10:00:00.000000

Search finds dealers and stores whose code, name, city or city alias contains the text
typed (`portal/search/matching.py`). Until now that was `ILIKE '%…%'` over whole tables.

- PostgreSQL: the pg_trgm extension and, per table, two GIN trigram indexes on the fields
  joined by a separator (U+001F; a text holding one is matched field by field instead):
  all four fields, and code and name alone (plans and audits are found by their dealer's
  and store's code or name). `joined ILIKE '%text%'` uses them for texts of 3 characters
  or more. One index per column, OR-ed, was as fast once chosen, but its cost so
  overestimated (4 bitmap scans at the default random_page_cost) that the planner read
  10,000 stores whole instead (18 ms against 0.1 at 2,000 dealers). `fastupdate = off`:
  dealers and stores change seldom, and rows waiting in a GIN index's pending list are
  read one by one by every search (the planner then prefers the whole table) until a
  vacuum files them. pg_trgm is a trusted extension (PostgreSQL 13+): the database's
  owner may create it.
- SQLite (3.34+ for the trigram tokenizer): an FTS5 table per table, external content
  (it stores only the index; the text stays in dealers and stores), tokenized in
  trigrams, kept in step by triggers on insert, delete and update of the four columns.

The SQL is written out here rather than imported, so that this revision builds the same
schema whatever the code becomes. A batch migration on SQLite (`batch_alter_table` that
copies dealers or stores) drops the table's triggers with the old table: such a migration
must create them again (the statements of `_fts_statements` below).
"""
import sqlite3

from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLES = ('dealers', 'stores')
COLUMNS = ('code', 'name', 'city', 'city_alias')
SQLITE_TRIGRAM = (3, 34, 0)
# PostgreSQL: (index name suffix, fields joined); queries must join them the same way
# (portal/search/matching.py) for the planner to use the index.
JOINED = (('search', COLUMNS), ('search_code_name', ('code', 'name')))


def _joined(fields):
    return " || E'\\x1f' || ".join(fields)


def _values(prefix):
    return ', '.join(f'{prefix}.{column}' for column in COLUMNS)


def _fts_statements(table):
    # Every name below comes from TABLES and COLUMNS: no value is spliced into the SQL.
    index = f'search_{table}'
    names = ', '.join(COLUMNS)
    add = f'INSERT INTO {index}(rowid, {names}) VALUES (new.id, {_values("new")});'  # nosec B608
    remove = (
        f"INSERT INTO {index}({index}, rowid, {names})"  # nosec B608
        f" VALUES ('delete', old.id, {_values('old')});"
    )
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5({names}, content='{table}',"
        f" content_rowid='id', tokenize='trigram')",
        f"INSERT INTO {index}({index}) VALUES ('rebuild')",  # nosec B608  (the rows already there)
        f'CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {add} END',
        f'CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove} END',
        f'CREATE TRIGGER {index}_update AFTER UPDATE OF {names} ON {table}'
        f' BEGIN {remove} {add} END',
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for table in TABLES:
            for suffix, fields in JOINED:
                op.execute(
                    f'CREATE INDEX ix_{table}_{suffix}_trgm ON {table}'
                    f' USING gin (({_joined(fields)}) gin_trgm_ops) WITH (fastupdate = off)'
                )
    elif dialect == 'sqlite':
        if sqlite3.sqlite_version_info < SQLITE_TRIGRAM:
            raise RuntimeError(
                f'search needs SQLite 3.34 or later (FTS5 trigram tokenizer);'
                f' Python here uses SQLite {sqlite3.sqlite_version}'
            )
        for table in TABLES:
            for statement in _fts_statements(table):
                op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        # The extension stays: other objects may have come to use it since.
        for table in reversed(TABLES):
            for suffix, _fields in reversed(JOINED):
                op.execute(f'DROP INDEX IF EXISTS ix_{table}_{suffix}_trgm')
    elif dialect == 'sqlite':
        for table in reversed(TABLES):
            for event in ('update', 'delete', 'insert'):
                op.execute(f'DROP TRIGGER IF EXISTS search_{table}_{event}')
            op.execute(f'DROP TABLE IF EXISTS search_{table}')
