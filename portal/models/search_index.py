"""The search index: schema objects beside the mapped tables (migration 0019 makes them).

PostgreSQL has GIN trigram indexes on the searched columns joined into one text; SQLite
has one FTS5 table per table (external content, trigram tokenizer) kept in step by
triggers. Neither is a model: their names are listed here so that the comparison of models
with migrations leaves them out, and the FTS5 tables are described as plain SQL tables for
queries.
"""

from __future__ import annotations

from sqlalchemy import column, table

TRIGRAM_INDEXES = (
    "ix_dealers_search_trgm",  # code, name, city and city alias, joined by SEPARATOR
    "ix_dealers_search_code_name_trgm",  # code and name
    "ix_stores_search_trgm",
    "ix_stores_search_code_name_trgm",
)
SEPARATOR = "\x1f"  # between the fields the PostgreSQL indexes join
FTS_TABLES = ("search_dealers", "search_stores")
# FTS5 keeps an external-content table's index in tables of its own, named after it.
FTS_SHADOWS = ("data", "idx", "docsize", "config", "content")


def _fts(name: str):
    # `rowid` is the dealer's or store's id; the column named like the table takes MATCH.
    return table(name, column("rowid"), column(name))


dealers_fts = _fts("search_dealers")
stores_fts = _fts("search_stores")


def is_search_index(name: str | None) -> bool:
    """Whether a table or index of that name belongs to the search index."""
    if name is None:
        return False
    if name in TRIGRAM_INDEXES or name in FTS_TABLES:
        return True
    return any(name == f"{fts}_{shadow}" for fts in FTS_TABLES for shadow in FTS_SHADOWS)


def compared(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name` hook: models and migrations are compared without the
    search index (no model has it)."""
    return not (type_ in ("table", "index") and is_search_index(name))
