"""Small typed factories for test data. Each returns a flushed model instance."""

from __future__ import annotations

import itertools
from datetime import date

from flask import current_app

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import (
    Dealer,
    DealerKind,
    DealerStatus,
    ProductLine,
    Region,
    Role,
    Store,
    StoreFormat,
    StoreStatus,
    User,
)

PASSWORD = "correct-horse-battery-staple"
_numbers = itertools.count(1)
_hashes: dict[tuple[str, int, int, int], str] = {}


def _next() -> int:
    return next(_numbers)


def password_hash(password: str = PASSWORD) -> str:
    """Hash once per password and set of argon2 parameters (the app's config) per run."""
    config = current_app.config
    key = (
        password,
        config["ARGON2_MEMORY_KIB"],
        config["ARGON2_TIME_COST"],
        config["ARGON2_PARALLELISM"],
    )
    if key not in _hashes:
        _hashes[key] = hash_password(password)
    return _hashes[key]


def make_region(*, code: str | None = None, name: str | None = None) -> Region:
    n = _next()
    region = Region(code=code or f"R{n}", name=name or f"Region {n}")
    db.session.add(region)
    db.session.flush()
    return region


def make_dealer(
    region: Region | None = None,
    *,
    code: str | None = None,
    name: str | None = None,
    city: str = "Springfield",
    kind: DealerKind = DealerKind.DEALER,
    status: DealerStatus = DealerStatus.ACTIVE,
    **fields,
) -> Dealer:
    n = _next()
    dealer = Dealer(
        code=code or f"D{n}",
        name=name or f"Dealer {n}",
        city=city,
        kind=kind,
        status=status,
        region=region or make_region(),
        **fields,
    )
    db.session.add(dealer)
    db.session.flush()
    return dealer


def make_store(
    dealer: Dealer | None = None,
    *,
    code: str | None = None,
    name: str | None = None,
    city: str = "Springfield",
    **fields,
) -> Store:
    n = _next()
    store = Store(
        code=code or f"S{n}",
        name=name or f"Store {n}",
        city=city,
        dealer=dealer or make_dealer(),
        format=fields.pop("format", StoreFormat.STANDARD),
        status=fields.pop("status", StoreStatus.OPEN),
        opened_on=fields.pop("opened_on", date(2020, 1, 1)),
        **fields,
    )
    db.session.add(store)
    db.session.flush()
    return store


def make_product_line(*, code: str | None = None, name: str | None = None) -> ProductLine:
    n = _next()
    line = ProductLine(code=code or f"P{n}", name=name or f"Line {n}", sort_order=n)
    db.session.add(line)
    db.session.flush()
    return line


def make_user(
    role: Role = Role.DEALER,
    *,
    email: str | None = None,
    name: str | None = None,
    dealer: Dealer | None = None,
    regions: list[Region] | None = None,
    password: str = PASSWORD,
    **fields,
) -> User:
    n = _next()
    if role == Role.DEALER and dealer is None:
        dealer = make_dealer()
    if role == Role.SUPERVISOR and regions is None:
        regions = [make_region()]
    user = User(
        email=email or f"user{n}@example.test",
        name=name or f"User {n}",
        role=role,
        dealer=dealer,
        regions=regions or [],
        password_hash=password_hash(password),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user
