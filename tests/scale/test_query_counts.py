"""The number of SQL statements a page runs does not grow with the data.

Two generated networks (`seed_large` with few and with more dealers) are rendered page by
page for each role; every page must run exactly as many statements on both. A query per
row (an N+1) shows up as a larger count on the larger network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event

from portal import create_app
from portal.demo.large import seed_large
from portal.extensions import db
from portal.models import Dealer, Store, User
from tests.support import databases
from tests.support.clients import signed_in_client

SMALL, LARGE = 20, 80  # dealers: one per region, then four per region
ROLES = ("admin", "supervisor", "dealer")

# (role, label, path); {dealer} and {store} are the signed-in person's first dealer and store.
STAFF_PAGES = [
    ("home", "/home"),
    ("dealer list", "/dealers/"),
    ("dealer page", "/dealers/{dealer}"),
    ("store list", "/stores/"),
    ("store page", "/stores/{store}"),
    ("plan review queue", "/plans/review"),
    ("report review queue", "/reports/review"),
    ("plan vs actual", "/plans/performance"),
    ("dealer plan vs actual", "/plans/performance/dealers/{dealer}"),
    ("plans list", "/plans/"),
    ("reports list", "/reports/"),
    ("audits list", "/audits/"),
    ("actions list", "/actions/"),
    ("notices list", "/notices/"),
    ("prospects", "/prospects/"),
    ("blank markets", "/prospects/markets"),
]
DEALER_PAGES = [
    ("home", "/home"),
    ("dealer page", "/dealers/{dealer}"),
    ("store list", "/stores/"),
    ("store page", "/stores/{store}"),
    ("dealer plan vs actual", "/plans/performance/dealers/{dealer}"),
    ("plans list", "/plans/"),
    ("reports list", "/reports/"),
    ("audits list", "/audits/"),
    ("actions list", "/actions/"),
    ("notices list", "/notices/"),
]
CASES = [(role, label, path) for role in ("admin", "supervisor") for label, path in STAFF_PAGES]
CASES += [("dealer", label, path) for label, path in DEALER_PAGES]


def measure(schema, directory: Path, dealers: int) -> dict[tuple[str, str], int]:
    """Seed a network of `dealers` dealers and count the statements of every page."""
    directory.mkdir()
    config = databases.test_config(schema.new_url(), directory)
    app: Flask = create_app(config)
    with app.app_context():
        network = seed_large(dealers)
        db.session.commit()
        people = {
            "admin": network.admin_email,
            "supervisor": network.supervisor_email,
            "dealer": network.dealer_email,
        }
        dealer_user = db.session.scalar(db.select(User).where(User.email == people["dealer"]))
        dealer = db.session.get(Dealer, dealer_user.dealer_id)
        store = db.session.scalar(
            db.select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code).limit(1)
        )
        ids = {"dealer": dealer.id, "store": store.id}
        clients = {
            role: signed_in_client(
                app, db.session.scalar(db.select(User).where(User.email == email))
            )
            for role, email in people.items()
        }
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    counts: dict[tuple[str, str], int] = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for role, label, path in CASES:
            url = path.format(**ids)
            client = clients[role]
            client.get(url)  # warm up: first-request work is not the page's
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200, f"{role} {url}: {response.status_code}"
            counts[(role, label)] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return counts


@pytest.fixture(scope="module")
def counts(schema, tmp_path_factory) -> dict[int, dict[tuple[str, str], int]]:
    base = tmp_path_factory.mktemp("query_counts")
    return {size: measure(schema, base / f"n{size}", size) for size in (SMALL, LARGE)}


@pytest.mark.parametrize(("role", "label", "path"), CASES, ids=[f"{r}-{p}" for r, _l, p in CASES])
def test_statement_count_does_not_grow_with_the_network(counts, role, label, path):
    small, large = counts[SMALL][(role, label)], counts[LARGE][(role, label)]
    assert large == small, (
        f"{role} {label}: {small} statements with {SMALL} dealers, {large} with {LARGE}"
    )


def test_counts_are_reported(counts, capsys):
    """Not a check: prints the table (pytest -s) for the record."""
    with capsys.disabled():
        print()
        for role, label, _path in CASES:
            small, large = counts[SMALL][(role, label)], counts[LARGE][(role, label)]
            print(f"  {role:10} {label:24} {small:3} {large:3}")
    assert counts[SMALL]
