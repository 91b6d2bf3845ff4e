"""Which dealers and stores contain a text in their code, name, city or city alias, found
through the search index of migration 0019 rather than by reading whole tables.

- PostgreSQL: `code || U+001F || name || … ILIKE '%text%'`, the fields joined exactly as the
  GIN trigram index (pg_trgm) of the table joins them, so the planner reads that index. A
  text without the separator can only match inside one field: the same rows as ILIKE on
  each field (a text holding it falls back to that).
- SQLite: a MATCH on the table's FTS5 trigram index (the phrase quoted, so nothing the
  user types is FTS5 syntax), restricted to the fields asked for; the ids it gives are
  dealers' and stores' ids.

Both match a case-insensitive substring, as ILIKE did. A trigram index answers only texts of
3 characters or more (a shorter text holds no trigram: pg_trgm would read the whole index,
FTS5 finds nothing). The search page takes 2 characters at least, and a 2-character text is
common in Chinese (北京, a short dealer name), so it keeps its meaning: the same ILIKE over
the dealers' or stores' own four columns, a scan of that table alone (dealers and stores
only: plans and audits are found through the ids of their dealer and store, by index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, literal_column, or_, select

from portal import listing
from portal.extensions import db
from portal.models import Dealer, Store
from portal.models.search_index import SEPARATOR, dealers_fts, stores_fts

TRIGRAM = 3  # characters: a shorter text has no trigram to look up
FIELDS = ("code", "name", "city", "city_alias")
CODE_AND_NAME = ("code", "name")


def fts_query(text: str, fields: Sequence[str] = FIELDS) -> str:
    """An FTS5 query for `text` as one literal phrase, in the named fields only."""
    phrase = '"' + text.replace('"', '""') + '"'  # inside quotes every other character is text
    if tuple(fields) == FIELDS:
        return phrase
    return "{" + " ".join(fields) + "} : " + phrase


def _trigrams(text: str) -> bool:
    return len(text) >= TRIGRAM and SEPARATOR not in text


def _joined(model: type[Any], fields: Sequence[str]) -> ColumnElement[str]:
    """The fields joined by the separator, written as migration 0019 wrote its index."""
    separator = literal_column("E'\\x1f'", String)
    joined = getattr(model, fields[0])
    for field in fields[1:]:
        joined = joined + separator + getattr(model, field)
    return joined


def _match(model: type[Any], fts: Any, text: str, fields: Sequence[str]) -> ColumnElement[bool]:
    pattern = listing.like_pattern(text)
    if _trigrams(text) and db.engine.dialect.name == "postgresql":
        return _joined(model, fields).ilike(pattern, escape="\\")
    if _trigrams(text) and db.engine.dialect.name == "sqlite":
        ids = select(fts.c.rowid).where(fts.c[fts.name].match(fts_query(text, fields)))
        return model.id.in_(ids)
    return or_(*(getattr(model, field).ilike(pattern, escape="\\") for field in fields))


def dealer_match(text: str, fields: Sequence[str] = FIELDS) -> ColumnElement[bool]:
    """A WHERE clause on dealers: `text` is in one of `fields` (case-insensitive)."""
    return _match(Dealer, dealers_fts, text, fields)


def store_match(text: str, fields: Sequence[str] = FIELDS) -> ColumnElement[bool]:
    """A WHERE clause on stores: `text` is in one of `fields` (case-insensitive)."""
    return _match(Store, stores_fts, text, fields)
