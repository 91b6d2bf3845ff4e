"""Search, sort and paginate lists the same way on every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, or_

from portal.extensions import db
from portal.ids import to_id

# Far past the end of any list, and small enough that the OFFSET stays in the databases' range.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class ListParams:
    q: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    filters: dict[str, str] = field(default_factory=dict)

    def id_filter(self, name: str) -> int | None:
        """The filter as an id; None when absent or not a valid id (then it filters nothing)."""
        return to_id(self.filters.get(name))

    def url_args(self, **overrides: Any) -> dict[str, Any]:
        """Query-string arguments for a link that keeps the current search, sort and filters."""
        args: dict[str, Any] = {**self.filters}
        if self.q:
            args["q"] = self.q
        if self.sort:
            args["sort"] = ("-" if self.descending else "") + self.sort
        args["page"] = self.page
        args.update(overrides)
        return {key: value for key, value in args.items() if value not in ("", None)}

    def sort_args(self, column: str) -> dict[str, Any]:
        """Arguments for a column header: sort by it, or flip the direction if already sorted."""
        flip = self.sort == column and not self.descending
        return self.url_args(sort=("-" if flip else "") + column, page=1)


def read_params(
    sortable: Sequence[str], default_sort: str, filter_names: Sequence[str] = ()
) -> ListParams:
    """Parse q, sort (`name` or `-name`), page and the named filters from the query string."""
    raw_sort = request.args.get("sort", default_sort)
    descending = raw_sort.startswith("-")
    sort = raw_sort.lstrip("-")
    if sort not in sortable:
        sort, descending = default_sort.lstrip("-"), default_sort.startswith("-")
    filters = {name: _argument(name) for name in filter_names}
    return ListParams(
        q=_argument("q"),
        sort=sort,
        descending=descending,
        page=page_arg(),
        filters={k: v for k, v in filters.items() if v},
    )


def _argument(name: str) -> str:
    """A text argument, trimmed to 100 characters. NUL characters are dropped: no stored text
    holds one (PostgreSQL refuses them), and SQLite's LIKE would end the pattern there."""
    return request.args.get(name, "").replace("\x00", "").strip()[:100]


def page_arg() -> int:
    """The `page` argument: 1 when absent or invalid, at most MAX_PAGE (a page past the end)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def where_ids(
    query: Select[Any], params: ListParams, columns: dict[str, ColumnElement[int]]
) -> Select[Any]:
    """Narrow `query` by each id filter that holds a valid id ({filter name: column})."""
    for name, column in columns.items():
        if (value := params.id_filter(name)) is not None:
            query = query.where(column == value)
    return query


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(query: Select[Any], columns: Sequence[Any], text: str) -> Select[Any]:
    """Keep rows where any column contains `text` (case-insensitive, wildcards escaped)."""
    if not text:
        return query
    pattern = like_pattern(text)
    return query.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))


def order(
    query: Select[Any],
    params: ListParams,
    sortable: Mapping[str, ColumnElement[Any]],
    tiebreak: ColumnElement[Any],
) -> Select[Any]:
    column = sortable[params.sort]
    return query.order_by(column.desc() if params.descending else column.asc(), tiebreak)


def paginate(query: Select[Any], params: ListParams, per_page: int | None = None):
    return db.paginate(
        query,
        page=params.page,
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )


class ListPagination(Pagination):
    """A page of a list already in memory (rows sorted on figures computed in Python)."""

    def _query_items(self) -> list[Any]:
        rows = self._query_args["rows"]
        return rows[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def paginate_list(rows: Sequence[Any], params: ListParams, per_page: int | None = None):
    return ListPagination(
        page=params.page,
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        rows=list(rows),
    )
