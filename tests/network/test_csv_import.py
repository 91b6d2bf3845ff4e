"""CSV import of dealers and stores: all or nothing, with a report of every bad row."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import func, select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import ActivityEntry, Dealer, DealerKind, Role, Store
from tests.support.clients import signed_in_client
from tests.support.factories import make_dealer, make_region, make_store, make_user

# Date errors give today's date as the example (the test clock's, tests/support/clock.py).
TODAY = portal_clock.today().isoformat()

DEALER_HEADER = "code,name,kind,status,region_code,city,contract_start,contract_end"
STORE_HEADER = "code,name,dealer_code,format,status,opened_on"


@pytest.fixture
def admin(app):
    make_region(code="NORTH", name="North")
    make_region(code="SOUTH", name="South")
    return signed_in_client(app, make_user(Role.ADMIN))


def _import(client, kind: str, text: str | bytes):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return client.post(f"/{kind}/import", data={"file": (io.BytesIO(data), "upload.csv")})


def report(response) -> list[tuple[int, str, str]]:
    """(row, column, message) from the page's error table."""
    assert response.status_code == 422
    table = response.get_data(as_text=True).split('data-testid="import-errors"', 1)[1]
    cells = re.findall(
        r"<tr><td>(\d+)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", table
    )
    return [(int(row), column, html.unescape(message)) for row, column, message in cells]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_good_file_creates_and_updates_by_code(admin):
    existing = make_dealer(code="N01", name="Old name", city="Old city")
    text = (
        f"{DEALER_HEADER}\n"
        "N01,New name,franchisee,active,NORTH,北京,2021-03-01,2026-03-01\n"
        "s02,上海东方,dealer,prospect,south,上海,,\n"
    )

    response = _import(admin, "dealers", text)

    assert response.status_code == 302
    db.session.refresh(existing)
    assert (existing.name, existing.city, existing.kind) == (
        "New name",
        "北京",
        DealerKind.FRANCHISEE,
    )
    created = db.session.scalar(select(Dealer).where(Dealer.code == "S02"))
    assert (created.name, created.region.code) == ("上海东方", "SOUTH")
    assert created.contract_start is None
    assert _count(Dealer) == 2


def test_one_bad_row_saves_nothing_and_every_problem_is_reported(admin):
    make_dealer(code="N01", name="Keep me")
    text = (
        f"{DEALER_HEADER}\n"
        "N01,Changed,dealer,active,NORTH,,,\n"  # fine on its own
        "N02,,dealer,active,NORTH,,,\n"  # row 3: name missing
        "N03,Third,wholesaler,active,NORTH,,,\n"  # row 4: kind unknown
        "N04,Fourth,dealer,closed,WEST,,,\n"  # row 5: status unknown, region unknown
        "N05,Fifth,dealer,active,NORTH,,2024-13-01,\n"  # row 6: bad date
        "N06,Sixth,dealer,active,NORTH,,2024-05-01,2023-01-01\n"  # row 7: ends before start
    )

    response = _import(admin, "dealers", text)

    problems = report(response)
    assert {(row, column) for row, column, _message in problems} == {
        (3, "name"),
        (4, "kind"),
        (5, "status"),
        (5, "region_code"),
        (6, "contract_start"),
        (7, "contract_end"),
    }
    assert all(message for _row, _column, message in problems)
    assert _count(Dealer) == 1
    assert db.session.scalar(select(Dealer.name)) == "Keep me"
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_duplicate_codes_within_a_file_are_refused(admin):
    text = f"{DEALER_HEADER}\nN01,One,dealer,active,NORTH,,,\nn01,Again,dealer,active,NORTH,,,\n"

    problems = report(_import(admin, "dealers", text))

    assert problems == [(3, "code", "Same code as row 2.")]
    assert _count(Dealer) == 0


def test_store_rows_must_name_a_known_dealer(admin):
    make_dealer(code="N01")
    text = (
        f"{STORE_HEADER}\n"
        "N01-01,First,N01,standard,open,2020-01-01\n"
        "X-01,Lost,NOPE,standard,open,\n"
    )

    problems = report(_import(admin, "stores", text))

    assert problems == [(3, "dealer_code", '"NOPE" is not allowed here; use one of: N01.')]
    assert _count(Store) == 0


def test_store_rows_check_format_status_and_dates(admin):
    make_dealer(code="N01")
    text = (
        f"{STORE_HEADER}\n"
        "N01-01,First,N01,kiosk,open,\n"
        "N01-02,Second,N01,standard,demolished,\n"
        "N01-03,Third,N01,standard,open,01/02/2020\n"
    )

    problems = report(_import(admin, "stores", text))

    assert {(row, column) for row, column, _ in problems} == {
        (2, "format"),
        (3, "status"),
        (4, "opened_on"),
    }


def test_stores_are_created_and_updated_by_code(admin):
    dealer = make_dealer(code="N01")
    store = make_store(dealer, code="N01-01", name="Old")
    text = (
        f"{STORE_HEADER}\n"
        "N01-01,Renamed,N01,flagship,open,2020-01-01\n"
        "N01-02,New,N01,counter,planned,\n"
    )

    response = _import(admin, "stores", text)

    assert response.status_code == 302
    db.session.refresh(store)
    assert (store.name, store.format.value) == ("Renamed", "flagship")
    assert _count(Store) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code,name\nN01,x\n", [(1, "kind"), (1, "status"), (1, "region_code")]),
        (f"{DEALER_HEADER},secret\nN01,x,dealer,active,NORTH,,,,y\n", [(1, "secret")]),
        (f"{DEALER_HEADER}\n", [(2, "")]),
        (f"{DEALER_HEADER}\nN01,x,dealer,active,NORTH,,,,extra\n", [(2, "")]),
    ],
    ids=["missing-columns", "unknown-column", "no-rows", "too-many-cells"],
)
def test_badly_shaped_files_are_refused(admin, text, expected):
    problems = report(_import(admin, "dealers", text))

    assert [(row, column) for row, column, _ in problems] == expected
    assert _count(Dealer) == 0


def test_a_byte_order_mark_is_accepted(admin):
    text = f"\ufeff{DEALER_HEADER}\nN01,北方,dealer,active,NORTH,沈阳,,\n"

    assert _import(admin, "dealers", text).status_code == 302
    assert db.session.scalar(select(Dealer.city)) == "沈阳"


def test_a_file_that_is_not_utf8_is_refused(admin):
    text = f"{DEALER_HEADER}\nN01,北方运动,dealer,active,NORTH,沈阳,,\n".encode("gb18030")

    problems = report(_import(admin, "dealers", text))

    assert problems == [(1, "", "The file is not UTF-8 text.")]
    assert _count(Dealer) == 0


def test_an_import_that_clashes_at_save_time_saves_nothing(admin):
    make_region(code="OLD", name="Old").active = False
    db.session.commit()
    text = f"{DEALER_HEADER}\nN01,Fine,dealer,active,NORTH,,,\nN02,Stale,dealer,active,OLD,,,\n"

    problems = report(_import(admin, "dealers", text))

    assert problems == [(3, "region_id", "This region is deactivated.")]
    assert _count(Dealer) == 0


def test_the_import_page_lists_the_columns(admin):
    page = admin.get("/dealers/import").get_data(as_text=True)

    for column in DEALER_HEADER.split(","):
        assert f"<code>{column}</code>" in page


def test_row_errors_say_what_was_found_and_what_is_allowed(admin):
    text = (
        f"{DEALER_HEADER}\n"
        "N01,One,dealer,actve,NORTH,,,\n"
        "N02,Two,wholesaler,active,NORTH,,,2026-01-01\n"
        "N03,Three,dealer,active,WEST,,2026-01-01,31/12/2026\n"
        "N04,,dealer,active,NORTH,,,\n"
    )

    response = _import(admin, "dealers", text)

    assert report(response) == [
        (
            2,
            "status",
            '"actve" is not allowed here; use one of: prospect, active, suspended, terminated.',
        ),
        (
            3,
            "kind",
            '"wholesaler" is not allowed here; use one of: franchisee, dealer, distributor.',
        ),
        (4, "contract_end", '"31/12/2026" is not a date; use YYYY-MM-DD, e.g. ' + TODAY + "."),
        (4, "region_code", '"WEST" is not allowed here; use one of: NORTH, SOUTH.'),
        (5, "name", "This column cannot be empty."),
    ]
    body = response.get_data(as_text=True)
    assert "Invalid Choice" not in body
    assert "Not a valid date value" not in body


def test_store_row_errors_list_the_formats_and_the_date_format(admin):
    make_dealer(code="N01")
    text = f"{STORE_HEADER}\nN01-01,First,N01,kiosk,open,01/02/2020\n"

    assert report(_import(admin, "stores", text)) == [
        (
            2,
            "format",
            '"kiosk" is not allowed here; use one of: flagship, standard, shop_in_shop, '
            "counter, outlet.",
        ),
        (2, "opened_on", '"01/02/2020" is not a date; use YYYY-MM-DD, e.g. ' + TODAY + "."),
    ]


def _template(client, kind: str) -> list[list[str]]:
    response = client.get(f"/{kind}/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize(("kind", "model"), [("dealers", Dealer), ("stores", Store)])
def test_each_import_page_offers_a_template_that_imports_as_is(admin, kind, model):
    dealer = make_dealer(code="D01")  # the codes an example would take are in use:
    make_store(dealer, code="D01-01")  # the template must not overwrite them
    db.session.commit()
    page = admin.get(f"/{kind}/import").get_data(as_text=True)
    assert f'href="/{kind}/import/template.csv"' in page
    assert "Download a template" in page

    rows = _template(admin, kind)

    assert len(rows) == 2
    before = _count(model)
    text = "\n".join(",".join(row) for row in rows) + "\n"
    assert _import(admin, kind, text).status_code == 302
    assert _count(model) == before + 1


@pytest.mark.parametrize("kind", ["dealers", "stores"])
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEALER])
def test_the_template_is_refused_like_the_import_page(app, kind, role):
    region = make_region(code="NORTH")
    dealer = make_dealer(region, code="N01")
    user = (
        make_user(role, regions=[region])
        if role == Role.SUPERVISOR
        else make_user(role, dealer=dealer)
    )
    client = signed_in_client(app, user)

    refused = client.get(f"/{kind}/import").status_code

    assert refused in (403, 404)
    assert client.get(f"/{kind}/import/template.csv").status_code == refused


def test_an_import_that_changes_nothing_is_reported_and_logged(admin):
    text = f"{DEALER_HEADER}\nN01,One,dealer,active,NORTH,,,\nN02,Two,dealer,active,NORTH,,,\n"
    assert _import(admin, "dealers", text).status_code == 302
    changed = text.replace("N02,Two,", "N02,Second,")
    text_again = changed + "N03,Three,dealer,active,SOUTH,,,\n"

    admin.get("/dealers/")  # the first flash is read
    _import(admin, "dealers", text_again)
    again = admin.get("/dealers/").get_data(as_text=True)
    _import(admin, "dealers", text_again)
    unchanged = admin.get("/dealers/").get_data(as_text=True)

    assert "Import done: 1 created, 1 updated, 1 unchanged." in again
    assert "Import done: 0 created, 0 updated, 3 unchanged." in unchanged
    entries = db.session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.action == "dealer.import")
        .order_by(ActivityEntry.id)
    ).all()
    assert [e.details for e in entries] == [
        {"rows": 2, "created": 2, "updated": 0, "unchanged": 0},
        {"rows": 3, "created": 1, "updated": 1, "unchanged": 1},
        {"rows": 3, "created": 0, "updated": 0, "unchanged": 3},
    ]
    log = html.unescape(admin.get("/admin/activity/?action=dealer.import").get_data(as_text=True))
    assert log.count("Imported dealers from a CSV file") == 3
    assert "Unchanged" in log


def test_a_long_cell_is_quoted_shortened(admin):
    text = f"{DEALER_HEADER}\nN01,{'x' * 500},dealer,{'y' * 500},NORTH,,,\n"

    problems = {
        (row, column): message for row, column, message in report(_import(admin, "dealers", text))
    }

    assert problems[(2, "name")].startswith(f'Found "{"x" * 59}…": ')
    assert problems[(2, "status")].startswith(f'"{"y" * 59}…" is not allowed here; use one of: ')
    assert "x" * 61 not in problems[(2, "name")]
