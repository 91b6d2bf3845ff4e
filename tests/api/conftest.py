"""Fixtures for the API suite: tokens for users, and clients that send them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal import periods
from portal.api import services
from portal.extensions import db
from portal.models import Dealer, ProductLine, Region, Role, Store, User
from portal.models.base import utcnow
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)


def make_token(user: User, *, read_only: bool = False, days: int = 30, name: str = "test") -> str:
    """A committed personal token of `user`; returns its secret."""
    _token, secret = services.create_personal_token(
        user, name=name, days=days, read_only=read_only, max_days=366
    )
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_for() -> Callable[..., str]:
    return make_token


@dataclass
class Shop:
    region: Region
    dealer: Dealer
    store: Store
    line: ProductLine
    dealer_user: User
    supervisor: User
    dealer_token: str
    supervisor_token: str


@pytest.fixture
def shop(app) -> Shop:
    region = make_region()
    dealer = make_dealer(region)
    store = make_store(dealer)
    line = make_product_line()
    dealer_user = make_user(Role.DEALER, dealer=dealer)
    supervisor = make_user(Role.SUPERVISOR, regions=[region])
    return Shop(
        region,
        dealer,
        store,
        line,
        dealer_user,
        supervisor,
        make_token(dealer_user),
        make_token(supervisor),
    )


def next_month() -> str:
    return periods.shift(periods.of(utcnow().date()), 1)


def this_month() -> str:
    return periods.of(utcnow().date())


def plan_body(shop: Shop, revenue: str = "12500.50", units: int = 7) -> dict:
    line = {
        "store_id": shop.store.id,
        "product_line_id": shop.line.id,
        "revenue": revenue,
        "units": units,
    }
    return {"period": next_month(), "note": "first", "lines": [line]}
