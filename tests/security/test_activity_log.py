"""S18: every state change and sign-in writes one activity entry; the log cannot be rewritten."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import delete, exc, func, select, text, update

from portal import activity
from portal.extensions import db
from portal.models import ActivityEntry, Dealer, ProductLine, Region, Role, Store, User, UserSession
from portal.models.base import utcnow
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_user
from tests.support.world import (
    World,
    build_world,
    csv_upload,
    dealer_form,
    store_form,
    user_form,
)


@dataclass(frozen=True)
class Case:
    actor: str | None  # who acts (a role of the world), None for an anonymous visitor
    action: str
    object_type: str
    outcome: str
    # run(client, world, start) -> (response, object id); it calls start() again when it must
    # prepare something that writes entries of its own before the change being checked.
    run: Callable[[Any, World, Callable[[], None]], tuple[Any, int | None]]
    logged_actor: str | None = None  # who the entry names, when not `actor` (a sign-in)


CASES: dict[str, Case] = {}


def case(
    name: str,
    actor: str | None,
    action: str,
    object_type: str,
    outcome: str = "success",
    logged_actor: str | None = None,
):
    def register(run):
        CASES[name] = Case(actor, action, object_type, outcome, run, logged_actor or actor)
        return run

    return register


# Registry: create, edit, move, deactivate, reactivate, export


@case("dealer-create", "admin", "dealer.create", "dealer")
def _(c, w, start):
    form = dealer_form(w.dealer_x, code="DNEW", name="New Dealer", region_id=w.region_a.id)
    response = c.post("/dealers/new", data={**form, "version": ""})
    return response, db.session.scalar(select(Dealer.id).where(Dealer.code == "DNEW"))


@case("dealer-edit", "admin", "dealer.update", "dealer")
def _(c, w, start):
    form = dealer_form(w.dealer_x, name="Edited Dealer")
    return c.post(f"/dealers/{w.dealer_x.id}/edit", data=form), w.dealer_x.id


@case("dealer-contact-edit", "supervisor_a", "dealer.update_contact", "dealer")
def _(c, w, start):
    form = dealer_form(w.dealer_x, phone="+86 21 5555")
    return c.post(f"/dealers/{w.dealer_x.id}/edit", data=form), w.dealer_x.id


@case("dealer-move", "admin", "dealer.move", "dealer")
def _(c, w, start):
    form = {"region_id": w.region_b.id, "version": w.dealer_x.version}
    return c.post(f"/dealers/{w.dealer_x.id}/move", data=form), w.dealer_x.id


@case("dealer-deactivate", "admin", "dealer.deactivate", "dealer")
def _(c, w, start):
    return c.post(f"/dealers/{w.dealer_x.id}/active", data={"active": "0"}), w.dealer_x.id


@case("dealer-reactivate", "admin", "dealer.activate", "dealer")
def _(c, w, start):
    w.dealer_y.active = False
    db.session.commit()
    return c.post(f"/dealers/{w.dealer_y.id}/active", data={"active": "1"}), w.dealer_y.id


@case("dealer-export", "supervisor_a", "dealer.export", "")
def _(c, w, start):
    return c.get("/dealers/export.csv?q=D"), None


@case("store-create", "admin", "store.create", "store")
def _(c, w, start):
    form = store_form(w.store_x, code="SNEW", name="New Store", version="")
    response = c.post("/stores/new", data=form)
    return response, db.session.scalar(select(Store.id).where(Store.code == "SNEW"))


@case("store-edit", "admin", "store.update", "store")
def _(c, w, start):
    form = store_form(w.store_x, name="Edited Store")
    return c.post(f"/stores/{w.store_x.id}/edit", data=form), w.store_x.id


@case("store-move", "admin", "store.update", "store")
def _(c, w, start):
    form = store_form(w.store_x, dealer_id=w.dealer_y.id)
    return c.post(f"/stores/{w.store_x.id}/edit", data=form), w.store_x.id


@case("store-deactivate", "admin", "store.deactivate", "store")
def _(c, w, start):
    return c.post(f"/stores/{w.store_x.id}/active", data={"active": "0"}), w.store_x.id


@case("store-export", "dealer_x", "store.export", "")
def _(c, w, start):
    return c.get("/stores/export.csv"), None


@case("region-create", "admin", "region.create", "region")
def _(c, w, start):
    response = c.post("/regions/new", data={"code": "RNEW", "name": "New Region"})
    return response, db.session.scalar(select(Region.id).where(Region.code == "RNEW"))


@case("region-edit", "admin", "region.update", "region")
def _(c, w, start):
    form = {"code": "RA", "name": "Alpha Renamed", "version": w.region_a.version}
    return c.post(f"/regions/{w.region_a.id}/edit", data=form), w.region_a.id


@case("region-deactivate", "admin", "region.deactivate", "region")
def _(c, w, start):
    return c.post(f"/regions/{w.region_a.id}/active", data={"active": "0"}), w.region_a.id


@case("product-line-create", "admin", "product_line.create", "product_line")
def _(c, w, start):
    response = c.post("/product-lines/new", data={"code": "PNEW", "name": "New Line"})
    return response, db.session.scalar(select(ProductLine.id).where(ProductLine.code == "PNEW"))


@case("product-line-edit", "admin", "product_line.update", "product_line")
def _(c, w, start):
    form = {"code": "PL1", "name": "Line Renamed", "sort_order": 2, "version": w.line.version}
    return c.post(f"/product-lines/{w.line.id}/edit", data=form), w.line.id


@case("product-line-deactivate", "admin", "product_line.deactivate", "product_line")
def _(c, w, start):
    return c.post(f"/product-lines/{w.line.id}/active", data={"active": "0"}), w.line.id


# User administration


@case("user-create", "admin", "user.create", "user")
def _(c, w, start):
    form = {
        "email": "created@example.com",
        "name": "Created",
        "role": "supervisor",
        "region_ids": [w.region_a.id],
        "locale": "en",
        "password": "temporary-pass-999",
    }
    response = c.post("/admin/users/new", data=form)
    return response, db.session.scalar(select(User.id).where(User.email == "created@example.com"))


@case("user-edit", "admin", "user.update", "user")
def _(c, w, start):
    form = user_form(w.target, name="Edited Target")
    return c.post(f"/admin/users/{w.target.id}/edit", data=form), w.target.id


@case("user-reset-password", "admin", "user.reset_password", "user")
def _(c, w, start):
    form = {"password": "temporary-pass-777", "version": w.target.version}
    return c.post(f"/admin/users/{w.target.id}/reset-password", data=form), w.target.id


@case("user-deactivate", "admin", "user.deactivate", "user")
def _(c, w, start):
    return c.post(f"/admin/users/{w.target.id}/active", data={"active": "0"}), w.target.id


@case("user-reactivate", "admin", "user.activate", "user")
def _(c, w, start):
    w.target.active = False
    db.session.commit()
    return c.post(f"/admin/users/{w.target.id}/active", data={"active": "1"}), w.target.id


# Sign-in, sign-out, passwords and sessions


@case("sign-in", None, "auth.sign_in", "user", logged_actor="dealer_x")
def _(c, w, start):
    user = w.people["dealer_x"]
    return c.post("/sign-in", data={"email": user.email, "password": PASSWORD}), user.id


@case("sign-in-failure", None, "auth.sign_in", "user", "failure")
def _(c, w, start):
    user = w.people["dealer_x"]
    return c.post("/sign-in", data={"email": user.email, "password": "wrong"}), user.id


@case("sign-in-unknown", None, "auth.sign_in", "", "failure")
def _(c, w, start):
    return c.post("/sign-in", data={"email": "ghost@example.com", "password": "x"}), None


@case("sign-in-throttled", None, "auth.sign_in", "", "throttled")
def _(c, w, start):
    current_app.config["SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"] = 0
    user = w.people["dealer_x"]
    return c.post("/sign-in", data={"email": user.email, "password": PASSWORD}), None


@case("sign-out", "dealer_x", "auth.sign_out", "user")
def _(c, w, start):
    return c.post("/sign-out"), w.people["dealer_x"].id


@case("password-change", "dealer_x", "auth.change_password", "user")
def _(c, w, start):
    form = {
        "current_password": PASSWORD,
        "new_password": "a-new-passphrase-1",
        "confirm_password": "a-new-passphrase-1",
    }
    return c.post("/account/password", data=form), w.people["dealer_x"].id


@case("password-change-failure", "dealer_x", "auth.change_password", "user", "failure")
def _(c, w, start):
    form = {
        "current_password": "not-it",
        "new_password": "a-new-passphrase-1",
        "confirm_password": "a-new-passphrase-1",
    }
    return c.post("/account/password", data=form), w.people["dealer_x"].id


def _second_session(w: World) -> int:
    """Sign the same user in elsewhere; returns that session's id."""
    user = w.people["dealer_x"]
    client_for(current_app._get_current_object(), user.email, PASSWORD)
    query = select(func.max(UserSession.id)).where(UserSession.user_id == user.id)
    return db.session.scalar(query)


@case("session-end", "dealer_x", "auth.end_session", "user")
def _(c, w, start):
    other = _second_session(w)
    start()
    return c.post(f"/account/sessions/{other}/end"), w.people["dealer_x"].id


@case("sessions-end-others", "dealer_x", "auth.end_session", "user")
def _(c, w, start):
    _second_session(w)
    start()
    return c.post("/account/sessions/end-others"), w.people["dealer_x"].id


@pytest.fixture
def world(app) -> World:
    return build_world()


def _latest_id() -> int:
    return db.session.scalar(select(func.max(ActivityEntry.id))) or 0


@pytest.mark.parametrize("name", list(CASES))
def test_each_change_writes_exactly_one_complete_entry(app, client, world, name):
    spec = CASES[name]
    actor = world.people[spec.actor] if spec.actor else None
    acting = client_for(app, actor.email, PASSWORD) if actor else client
    logged = world.people[spec.logged_actor] if spec.logged_actor else None
    checkpoint = [_latest_id()]

    def start() -> None:
        checkpoint[0] = _latest_id()

    response, object_id = spec.run(acting, world, start)

    assert response.status_code in (200, 302, 429)
    query = select(ActivityEntry).where(ActivityEntry.id > checkpoint[0])
    entries = db.session.scalars(query).all()
    assert [entry.action for entry in entries] == [spec.action]
    entry = entries[0]
    assert utcnow() - entry.at < timedelta(minutes=1)
    expected_actor = (logged.id, logged.email) if logged else (None, "")
    assert (entry.actor_id, entry.actor_email) == expected_actor
    assert (entry.object_type, entry.object_id) == (spec.object_type, object_id)
    if spec.object_type:
        assert entry.object_label
    assert entry.outcome == spec.outcome
    assert entry.request_id == response.headers["X-Request-ID"]
    assert entry.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("kind", "path", "text", "existing"),
    [
        (
            "dealer",
            "/dealers/import",
            "code,name,kind,status,region_code\nDX,Renamed,dealer,active,RA\n"
            "DZ,Zulu,dealer,active,RB\n",
            "DX",
        ),
        (
            "store",
            "/stores/import",
            "code,name,dealer_code,format,status\nSX-01,Renamed,DX,standard,open\n"
            "SZ-01,Zulu,DY,counter,open\n",
            "SX-01",
        ),
    ],
)
def test_an_import_writes_one_summary_and_one_entry_per_changed_record(
    app, world, kind, path, text, existing
):
    admin = client_for(app, world.people["admin"].email, PASSWORD)
    before = _latest_id()

    response = admin.post(path, data=csv_upload(text))

    assert response.status_code == 302
    entries = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.id > before).order_by(ActivityEntry.id)
    ).all()
    assert sorted(entry.action for entry in entries) == sorted(
        [f"{kind}.create", f"{kind}.update", f"{kind}.import"]
    )
    summary = next(entry for entry in entries if entry.action == f"{kind}.import")
    assert summary.details == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0}
    assert {entry.request_id for entry in entries} == {response.headers["X-Request-ID"]}


def test_a_rejected_import_writes_nothing(app, world):
    admin = client_for(app, world.people["admin"].email, PASSWORD)
    before = _latest_id()

    response = admin.post(
        "/dealers/import",
        data=csv_upload("code,name,kind,status,region_code\nDX,Renamed,dealer,active,NOPE\n"),
    )

    assert response.status_code == 422
    assert _latest_id() == before


def test_the_log_keeps_no_password(app, world):
    admin = client_for(app, world.people["admin"].email, PASSWORD)
    admin.post(
        f"/admin/users/{world.target.id}/reset-password",
        data={"password": "temporary-pass-777", "version": world.target.version},
    )

    dumped = repr([entry.details for entry in db.session.scalars(select(ActivityEntry))])
    assert "temporary-pass-777" not in dumped


# Append-only: refused by the database itself and by the ORM.


@pytest.fixture
def entry(app) -> ActivityEntry:
    record = activity.record("test.entry", details={"n": 1})
    db.session.commit()
    return record


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE activity_entries SET action = 'rewritten'",
        "DELETE FROM activity_entries",
    ],
)
def test_the_database_refuses_to_rewrite_the_log(entry, statement):
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()

    assert db.session.get(ActivityEntry, entry.id).action == "test.entry"


def _rewrite(entry: ActivityEntry, how: str) -> None:
    if how == "orm-update":
        entry.action = "rewritten"
        db.session.flush()
    elif how == "orm-delete":
        db.session.delete(entry)
        db.session.flush()
    elif how == "bulk-update":  # bypasses ORM events: the database trigger answers
        db.session.execute(update(ActivityEntry).values(action="rewritten"))
    else:
        db.session.execute(delete(ActivityEntry))


@pytest.mark.parametrize("how", ["orm-update", "orm-delete", "bulk-update", "bulk-delete"])
def test_the_orm_refuses_to_rewrite_the_log(entry, how):
    expected = PermissionError if how.startswith("orm") else exc.DBAPIError
    with pytest.raises(expected, match="append-only"):
        _rewrite(entry, how)
    db.session.rollback()

    assert db.session.get(ActivityEntry, entry.id).action == "test.entry"


# The admin's log page


def _add(action: str, *, actor: str, object_type: str, outcome: str, at: datetime) -> None:
    db.session.add(
        ActivityEntry(
            action=action,
            actor_email=actor,
            object_type=object_type,
            outcome=outcome,
            at=at,
            object_label=f"label-{action}",
        )
    )


@pytest.fixture
def log_page(app, client, auth):
    auth.sign_in(make_user(Role.ADMIN, email="boss@example.test"))
    _add(
        "dealer.update",
        actor="ann@example.test",
        object_type="dealer",
        outcome="success",
        at=datetime(2024, 3, 5, 10, tzinfo=UTC),
    )
    _add(
        "store.create",
        actor="bob@example.test",
        object_type="store",
        outcome="success",
        at=datetime(2024, 3, 6, 23, 59, tzinfo=UTC),
    )
    _add(
        "auth.sign_in",
        actor="",
        object_type="user",
        outcome="failure",
        at=datetime(2024, 3, 7, 0, 1, tzinfo=UTC),
    )
    db.session.commit()

    def shown(**params) -> set[str]:
        response = client.get("/admin/activity/", query_string=params)
        assert response.status_code == 200
        return set(re.findall(r'<tr data-action="([^"]*)"', response.get_data(as_text=True)))

    return shown


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"dealer.update", "store.create", "auth.sign_in"}),
        ({"actor": "ann@"}, {"dealer.update"}),
        ({"action": "store."}, {"store.create"}),
        ({"object_type": "user"}, {"auth.sign_in"}),
        ({"outcome": "failure"}, {"auth.sign_in"}),
        ({"since": "2024-03-06"}, {"store.create", "auth.sign_in"}),
        ({"until": "2024-03-06"}, {"dealer.update", "store.create"}),
        ({"since": "2024-03-06", "until": "2024-03-06"}, {"store.create"}),
        ({"action": "%"}, set()),  # wildcards are literal text
        ({"until": "9999-12-31"}, {"dealer.update", "store.create", "auth.sign_in"}),
        ({"since": "0001-01-01"}, {"dealer.update", "store.create", "auth.sign_in"}),
    ],
)
def test_the_log_page_filters(log_page, params, expected):
    shown = log_page(**params)

    assert shown == expected
