"""Statements built once per process and run with bound values: the dealers' figures.

Every transaction that changes a dealer's data recomputes its figures before COMMIT
(`portal.metrics.dealer_figures.compute`). Building its statements anew each time cost
SQLAlchemy several times what running them did, so the queries behind it are built on
first use (a function under `functools.cache`) with a `bindparam` for every value that
changes between calls: the dealer ids as one expanding list (`among`), the day and the
dates derived from it. SQLAlchemy then reuses the statement's cache key and compiled form.
A statement whose shape depends on a value (a number of periods) is cached per shape.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam

from portal.extensions import db

IDS = "dealer_ids"  # the parameter holding the dealer ids, a list


def among(column: ColumnElement[int]) -> ColumnElement[bool]:
    """`column IN (the dealer ids)`, the ids bound at execution as `{IDS: [...]}`."""
    return column.in_(bindparam(IDS, expanding=True))


def id_list(dealer_ids: Collection[int] | Select[Any]) -> list[int]:
    """The dealer ids as a list (a query of ids is run once)."""
    if isinstance(dealer_ids, Select):
        return list(db.session.scalars(dealer_ids))
    return list(dealer_ids)
