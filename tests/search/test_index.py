"""The search index (migration 0019): it answers as ILIKE did, stays in step with dealers and
stores as they are created, renamed and deleted, and the queries read it."""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from portal import clock, listing
from portal.extensions import db
from portal.models import Audit, Dealer, Role, SalesPlan, Store
from portal.models.search_index import FTS_TABLES
from portal.search import matching
from portal.search.views import KINDS
from tests.search.test_search import group, search
from tests.support import plans as plan_support
from tests.support.audit_factories import make_standard
from tests.support.databases import is_postgres
from tests.support.factories import make_dealer, make_region, make_store, make_user
from tests.support.plans import this_month

FIELDS = ("code", "name", "city", "city_alias")


def index_in_step() -> None:
    """SQLite: FTS5 checks its index against the dealers and stores rows (rank 1: with the
    external content). PostgreSQL maintains its GIN indexes itself."""
    if is_postgres():
        return
    for table in FTS_TABLES:
        # raises "database disk image is malformed" when a row and its entry differ
        db.session.execute(
            text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        )


def dealers_found(text_: str, fields=FIELDS) -> set[int]:
    return set(db.session.scalars(select(Dealer.id).where(matching.dealer_match(text_, fields))))


def stores_found(text_: str) -> set[int]:
    return set(db.session.scalars(select(Store.id).where(matching.store_match(text_))))


def dealers_by_ilike(text_: str, fields=FIELDS) -> set[int]:
    """What search found before the index: ILIKE '%text%' over the whole table."""
    columns = [getattr(Dealer, field) for field in fields]
    return set(db.session.scalars(listing.search(select(Dealer.id), columns, text_)))


# -- in step with the tables


def test_a_new_dealer_and_store_are_found_at_once(app):
    admin = make_user(Role.ADMIN)
    dealer = make_dealer(name="Larkspur Trading", city="Dalian", city_alias="大连")
    store = make_store(dealer, name="Larkspur Pier", city="大连", city_alias="Dalian")
    db.session.commit()

    assert dealers_found("larkspur") == {dealer.id}
    assert dealers_found("大连") == {dealer.id}
    assert stores_found("Pier") == {store.id}
    assert stores_found("dalian") == {store.id}
    assert f"/stores/{store.id}" in group(search(app, admin, "Larkspur Pier"), "stores")
    index_in_step()


def test_a_renamed_dealer_and_store_are_found_by_their_new_names_only(app):
    dealer = make_dealer(code="OLD-1", name="Juniper Goods")
    store = make_store(dealer, code="OLDS-1", name="Juniper Corner")
    db.session.commit()

    dealer.code, dealer.name = "NEW-1", "Saffron Goods"
    store.code, store.name = "NEWS-1", "Saffron Corner"
    db.session.commit()

    assert dealers_found("Juniper") == set()
    assert dealers_found("OLD-1") == set()
    assert dealers_found("Saffron") == {dealer.id}
    assert dealers_found("NEW-1") == {dealer.id}
    assert stores_found("Juniper") == set()
    assert stores_found("Saffron Corner") == {store.id}
    index_in_step()


def test_a_changed_city_alias_is_found_and_the_old_one_no_more(app):
    dealer = make_dealer(city="Xiamen", city_alias="厦门市")
    store = make_store(dealer, city="Xiamen", city_alias="厦门市")
    db.session.commit()

    dealer.city_alias = store.city_alias = "Amoy Island"
    db.session.commit()

    assert dealers_found("厦门市") == set()
    assert stores_found("厦门市") == set()
    assert dealers_found("amoy") == {dealer.id}
    assert stores_found("amoy") == {store.id}
    index_in_step()


def test_a_change_to_other_columns_keeps_the_entry(app):
    dealer = make_dealer(name="Tamarind House")
    db.session.commit()

    dealer.phone, dealer.active = "+86 10 1234 5678", False
    db.session.commit()

    assert dealers_found("Tamarind") == {dealer.id}
    index_in_step()


def test_a_deleted_dealer_leaves_nothing_for_the_next_one(app):
    region = make_region()
    gone = make_dealer(region, name="Vanished Emporium")
    make_store(gone, name="Vanished Kiosk")
    db.session.commit()
    gone_id = gone.id

    db.session.delete(gone.stores[0])
    db.session.delete(gone)
    db.session.commit()
    # SQLite hands the highest id out again: an entry left behind would match the newcomer.
    newcomer = make_dealer(region, name="Fresh Emporium")
    make_store(newcomer, name="Fresh Kiosk")
    db.session.commit()

    assert dealers_found("Vanished") == set()
    assert stores_found("Vanished") == set()
    assert dealers_found("Emporium") == {newcomer.id}
    assert newcomer.id >= gone_id
    index_in_step()


# -- the same answers as ILIKE over the whole table

# U+001F joins the fields in PostgreSQL's index: in a text or a name it must change nothing.
ALPHABET = "aAbBzZ09 -_%\\\"*():'^{}.北京华联天\x1f"
NAMES = [
    "Aa Bb",
    'zz "09" *',
    "a_b%c\\d",
    "(NEAR) a:b",
    "北京华联",
    "天 aB",
    "^{b}.",
    "0-9-",
    "a\x1fb",
]


@pytest.fixture
def crowd(app):
    region = make_region()
    for index, name in enumerate(NAMES):
        city = NAMES[(index + 3) % len(NAMES)]
        code = f"C{index}{name[:2]}"
        make_dealer(region, code=code, name=name, city=city, city_alias=name[::-1])
    db.session.commit()


# Across two fields of the first dealer (name "Aa Bb", city "(NEAR) a:b"): ILIKE on each
# field never matched it, and neither may the fields joined in PostgreSQL's index.
@example(text_="Bb (NE", fields=FIELDS)
@example(text_="Aa Bb(NEAR", fields=FIELDS)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text_=st.one_of(
        st.text(ALPHABET, min_size=2, max_size=6),
        st.sampled_from(NAMES).flatmap(
            lambda name: st.tuples(st.integers(0, len(name)), st.integers(2, 6)).map(
                lambda cut: name[cut[0] : cut[0] + cut[1]]
            )
        ),
    ),
    fields=st.sampled_from([FIELDS, matching.CODE_AND_NAME]),
)
def test_the_index_finds_what_ilike_found(crowd, text_, fields):
    assert dealers_found(text_, fields) == dealers_by_ilike(text_, fields)


# -- the queries read the index


def _plan(kind: str, user, text_: str) -> str:
    """The database's plan for the search group's query (EXPLAIN; SQLite: its QUERY PLAN)."""
    query = KINDS[kind].query(user, text_)
    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    connection = db.session.connection()
    if is_postgres():
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    else:
        values = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)
    return "\n".join(" ".join(str(cell) for cell in row) for row in rows)


FILLERS = 1500


@pytest.fixture
def world(app):
    """Two regions, and enough dealers, stores, plans and audits that reading them whole
    costs more than the index."""
    world = plan_support.make_world()
    common = {"kind": "dealer", "status": "active", "region_id": world.region_a.id}
    fillers = [{**common, "code": f"F{n}", "name": f"Pad {n:05d}"} for n in range(FILLERS)]
    db.session.execute(insert(Dealer), fillers)
    ids = db.session.scalars(select(Dealer.id).where(Dealer.code.like("F%"))).all()
    stores = {"format": "standard", "status": "open", "city": "Nowhere"}
    rows = [
        {**stores, "code": f"FS{id_}", "name": f"Pad {id_:05d}", "dealer_id": id_} for id_ in ids
    ]
    db.session.execute(insert(Store), rows)
    periods = (this_month(-1), this_month())
    plans = [{"dealer_id": id_, "period": period} for id_ in ids for period in periods]
    db.session.execute(insert(SalesPlan), plans)
    standard = make_standard(actor=world.admin).standard
    visit = {"standard_id": standard.id, "kind": "regular", "status": "scheduled",
             "auditor_id": world.supervisor_a.id, "scheduled_for": clock.today()}  # fmt: skip
    store_ids = db.session.execute(select(Store.id, Store.dealer_id).where(Store.code.like("FS%")))
    audits = [{**visit, "store_id": store, "dealer_id": dealer} for store, dealer in store_ids]
    db.session.execute(insert(Audit), audits)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    return world


# One case per test, each on a freshly built and analysed network: run as one loop on one
# network, PostgreSQL once planned the plans case without the trigram index.
@pytest.mark.parametrize(
    ("kind", "indexes"),
    [
        ("dealers", ["dealers"]),
        ("stores", ["stores"]),
        ("plans", ["dealers"]),
        ("audits", ["dealers", "stores"]),
    ],
)
def test_search_of_three_characters_or_more_reads_the_index(app, world, kind, indexes):
    plan = _plan(kind, world.supervisor_a, "Dealer X")

    for table in indexes:
        if is_postgres():
            assert re.search(rf"Bitmap Index Scan on ix_{table}_\w+_trgm", plan), plan
        else:
            assert f"search_{table} VIRTUAL TABLE INDEX" in plan, plan


def test_two_characters_are_matched_without_the_fts_table(app, world):
    plan = _plan("dealers", world.admin, "De")

    assert "VIRTUAL TABLE" not in plan


@pytest.mark.parametrize(
    ("text_", "expected"),
    [
        ("abc", '"abc"'),
        ('say "hi"', '"say ""hi"""'),
        ("NEAR(a b)", '"NEAR(a b)"'),
        ("x*", '"x*"'),
    ],
)
def test_fts_queries_are_one_quoted_phrase(text_, expected):
    assert matching.fts_query(text_) == expected
    assert matching.fts_query(text_, ("code", "name")) == "{code name} : " + expected
