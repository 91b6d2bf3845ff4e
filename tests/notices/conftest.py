"""A small network for notice tests: two regions, three dealers, their stores and people."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.extensions import db
from portal.models import Dealer, DealerKind, Notice, Region, Role, Store, User
from portal.notices import services
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_dealer, make_region, make_store, make_user


@dataclass
class World:
    north: Region
    south: Region
    n1: Dealer  # franchisee in North
    n2: Dealer  # dealer in North
    s1: Dealer  # dealer in South
    n1a: Store
    n1b: Store
    n2a: Store
    s1a: Store
    admin: User
    sup_north: User
    sup_south: User
    user_n1: User
    user_n2: User
    user_s1: User


@pytest.fixture
def world(app) -> World:
    north = make_region(code="NORTH", name="North")
    south = make_region(code="SOUTH", name="South")
    n1 = make_dealer(north, code="N1", name="North One", kind=DealerKind.FRANCHISEE)
    n2 = make_dealer(north, code="N2", name="North Two", kind=DealerKind.DEALER)
    s1 = make_dealer(south, code="S1", name="South One", kind=DealerKind.DEALER)
    stores = [
        make_store(n1, code="N1-01"),
        make_store(n1, code="N1-02"),
        make_store(n2, code="N2-01"),
        make_store(s1, code="S1-01"),
    ]
    people = {
        "admin": make_user(Role.ADMIN, email="admin@example.test"),
        "sup_north": make_user(Role.SUPERVISOR, email="north@example.test", regions=[north]),
        "sup_south": make_user(Role.SUPERVISOR, email="south@example.test", regions=[south]),
        "user_n1": make_user(dealer=n1, email="n1@example.test", name="Nina One"),
        "user_n2": make_user(dealer=n2, email="n2@example.test"),
        "user_s1": make_user(dealer=s1, email="s1@example.test"),
    }
    db.session.commit()
    return World(north, south, n1, n2, s1, *stores, **people)


def notice_values(kind: str = "policy", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": kind,
        "title": "Returns policy",
        "body": "Customers may return **unworn** shoes within 30 days.",
        "effective_from": clock.today(),
        "effective_to": None,
        "acknowledge_days": 7,
        "audience": "network",
        "region_ids": [],
        "dealer_ids": [],
        "audience_kind": "",
        "store_ids": [],
    }
    if kind == "promotion":
        values.update(
            title="Summer running promotion",
            promotion_start=clock.today(),
            promotion_end=clock.today() + timedelta(days=30),
            execution_deadline=clock.today() + timedelta(days=5),
        )
    values.update(overrides)
    return values


def make_notice(author: User, *, publish: bool = True, **overrides: Any) -> Notice:
    notice, _created = services.create_notice(notice_values(**overrides), author=author)
    if publish:
        services.publish(notice, actor=author)
    db.session.commit()
    return notice


def sign_in(app, user: User):
    return client_for(app, user.email, PASSWORD)


def jpeg_bytes(colour=(200, 30, 30), size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 255, 255)).save(buffer, "PDF")
    return buffer.getvalue()
