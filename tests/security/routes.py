"""The app's routes as data: every rule, its declared access rule, and URLs to call it with.

Security suites walk these instead of hand-written URL lists, so endpoints that other areas
add later are covered automatically. Two small registries let an area teach the walk about
its URL arguments:

- `ID_TABLES["<arg>"] = "<table>"` when the table of an integer argument cannot be
  guessed (`dealer_id` → `dealers`, `plan_id` → `sales_plans` are guessed), or
  `"<table>.<column>"` when the argument is not an id (a notice's version `number`);
- `SAMPLE_VALUES["<arg>"] = "<value>"` for string arguments that must match a pattern
  (a period such as `2024-05`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Table, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import IntegerConverter

from portal.access import AccessRule, is_static_endpoint
from portal.extensions import db

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ID_TABLES: dict[str, str] = {
    "line_id": "product_lines",
    "session_id": "user_sessions",
    "version_id": "standard_versions",
    "number": "notice_versions.number",
    "file_id": "dealer_files",
    "job_id": "dossier_exports",
    "render_id": "jobs",
    "document_id": "qualification_documents",
}
SAMPLE_VALUES: dict[str, str] = {"period": "2024-05", "action": "forward"}  # a complaint step
MAX_URLS_PER_RULE = 120


@dataclass(frozen=True)
class Route:
    rule: Rule
    access: AccessRule | None

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def is_public(self) -> bool:
        return self.access is not None and self.access.public

    @property
    def reads(self) -> bool:
        return "GET" in (self.rule.methods or ())

    @property
    def unsafe_methods(self) -> list[str]:
        return [m for m in UNSAFE_METHODS if m in (self.rule.methods or ())]

    @property
    def int_arguments(self) -> list[str]:
        return [
            name
            for name in sorted(self.rule.arguments)
            if isinstance(self.rule._converters[name], IntegerConverter)
        ]

    def path(self, values: Mapping[str, Any] | None = None) -> str:
        """A concrete path: given values, else 1 for integers and a sample for strings."""
        given = dict(values or {})
        for name in self.rule.arguments:
            if name in given or name in (self.rule.defaults or {}):
                continue
            converter = self.rule._converters[name]
            given[name] = (
                1 if isinstance(converter, IntegerConverter) else SAMPLE_VALUES.get(name, "x")
            )
        built = self.rule.build(given, append_unknown=False)
        assert built is not None, f"cannot build a URL for {self.rule.rule} from {given}"
        return built[1]

    def allows_role(self, role) -> bool:
        return self.access is not None and self.access.allows(role)

    def __str__(self) -> str:
        return f"{self.endpoint} {self.rule.rule}"


API_PREFIX = "/api/"


def routes(app: Flask, *, api: bool = False) -> list[Route]:
    """Every non-static rule of the app, with the access rule its view declares.

    The JSON API's rules (under /api/) are left out unless `api`: they answer bearer tokens
    only, never the session these page walks sign in with; tests/api walks them with tokens.
    """
    found = []
    for rule in app.url_map.iter_rules():
        if is_static_endpoint(rule.endpoint):
            continue
        if not api and rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        found.append(Route(rule, getattr(view, "access_rule", None)))
    return sorted(found, key=lambda route: route.rule.rule)


def table_for(argument: str) -> Table:
    """The table an integer URL argument names (`dealer_id` → dealers)."""
    tables = db.metadata.tables
    if argument in ID_TABLES:
        return tables[ID_TABLES[argument].partition(".")[0]]
    stem = argument.removesuffix("_id")
    candidates = [f"{stem}s", f"{stem}es", f"{stem[:-1]}ies" if stem.endswith("y") else ""]
    for name in candidates:
        if name in tables:
            return tables[name]
    suffixed = [name for name in tables if any(name.endswith(f"_{c}") for c in candidates if c)]
    assert len(suffixed) == 1, (
        f"cannot tell which table the URL argument {argument!r} names; "
        f"add it to tests.security.routes.ID_TABLES"
    )
    return tables[suffixed[0]]


def existing_ids(argument: str) -> list[int]:
    """The values the argument can take: the table's ids, or its named column's values."""
    table = table_for(argument)
    column = table.c[ID_TABLES.get(argument, "").partition(".")[2] or "id"]
    return list(db.session.scalars(select(column).distinct().order_by(column)))


def first_ids(route: Route) -> dict[str, int]:
    """Values for the route's integer arguments that name existing rows (1 when none exist)."""
    values = {}
    for name in route.int_arguments:
        ids = existing_ids(name)
        values[name] = ids[0] if ids else 1
    return values


def enumerate_paths(route: Route) -> Iterator[str]:
    """The route with its integer arguments set to every existing id (bounded)."""
    names = route.int_arguments
    if not names:
        yield route.path()
        return
    choices = [existing_ids(name) or [1] for name in names]
    combos = itertools.product(*choices)
    for combo in itertools.islice(combos, MAX_URLS_PER_RULE):
        yield route.path(dict(zip(names, combo, strict=True)))
