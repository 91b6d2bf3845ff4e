"""A supervisor's dealer scope is built once per request and scopes every statement alike."""

from __future__ import annotations

from sqlalchemy import select

from portal.access import dealer_scope
from portal.extensions import db
from portal.models import Dealer, Store


def test_supervisor_scope_is_built_once_per_request_for_every_column(app, world):
    supervisor = world.people["supervisor_a"]
    with app.test_request_context():
        dealers = dealer_scope(supervisor, Dealer.id)
        stores = dealer_scope(supervisor, Store.dealer_id)
        assert dealers.right is stores.right  # the same subquery of the region's dealers
        assert db.session.scalars(select(Dealer.code).where(dealers)).all() == ["DX"]
        assert db.session.scalars(select(Store.code).where(stores)).all() == ["SX-01"]


def test_scope_outside_a_request_is_built_each_time(app, world):
    supervisor = world.people["supervisor_b"]
    first, second = dealer_scope(supervisor, Dealer.id), dealer_scope(supervisor, Dealer.id)
    assert first.right is not second.right
    assert db.session.scalars(select(Dealer.code).where(first)).all() == ["DY"]
