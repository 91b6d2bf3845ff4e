"""Search, sort and paginate lists the same way on every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from sqlalchemy import ColumnElement, Select, or_

from portal.extensions import db


@dataclass(frozen=True)
class ListParams:
    q: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    filters: dict[str, str] = field(default_factory=dict)

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
    page = request.args.get("page", 1, type=int) or 1
    filters = {name: request.args.get(name, "").strip()[:100] for name in filter_names}
    return ListParams(
        q=request.args.get("q", "").strip()[:100],
        sort=sort,
        descending=descending,
        page=max(page, 1),
        filters={k: v for k, v in filters.items() if v},
    )


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


@dataclass(frozen=True)
class ListPage:
    """One page of a list already in memory, shaped like `db.paginate`'s result for templates."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ):
        """Page numbers to link, with None where a run of pages is left out."""
        last = 0
        for number in range(1, self.pages + 1):
            near_current = self.page - left_current <= number <= self.page + right_current
            if number <= left_edge or near_current or number > self.pages - right_edge:
                if last and number - last > 1:
                    yield None
                yield number
                last = number


def paginate_list(items: Sequence[Any], params: ListParams, per_page: int | None = None):
    """Paginate rows computed in memory (e.g. aggregates over every dealer in scope)."""
    size = per_page or current_app.config["PAGE_SIZE"]
    total = len(items)
    pages = max(1, -(-total // size))
    page = min(params.page, pages)
    start = (page - 1) * size
    return ListPage(list(items[start : start + size]), page, size, total)
