"""Actuals by CSV: all or nothing, per-row errors, idempotent, within the uploader's scope."""

import csv
import html
import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ActivityEntry, ReportStatus, StoreReport, StoreReportLine
from tests.support.factories import make_product_line
from tests.support.plans import make_report, this_month

LAST = this_month(-1)
HEADER = "store_code,period,product_line,revenue,units\n"


def _upload(client, text: str):
    return client.post(
        "/reports/import",
        data={"file": (io.BytesIO(text.encode()), "actuals.csv")},
        content_type="multipart/form-data",
    )


def _rows(world, store=None):
    store = store or world.stores_x[0]
    return (
        HEADER
        + f'{store.code},{LAST},FTW,"12,000.50",30\n'
        + f"{store.code.lower()},{LAST},app,800,4\n"
        + f"{world.stores_x[1].code},{LAST},FTW,100,1\n"
    )


def _counts():
    reports = db.session.scalar(select(func.count()).select_from(StoreReport))
    lines = db.session.scalar(select(func.count()).select_from(StoreReportLine))
    return reports, lines


def test_a_dealer_uploads_actuals_into_draft_reports(client, auth, world):
    auth.sign_in(world.user_x)
    response = _upload(client, _rows(world))
    assert response.status_code == 302
    reports = db.session.scalars(select(StoreReport).order_by(StoreReport.store_id)).all()
    assert [(r.store_id, r.period, r.status) for r in reports] == [
        (world.stores_x[0].id, LAST, ReportStatus.DRAFT),
        (world.stores_x[1].id, LAST, ReportStatus.DRAFT),
    ]
    assert sorted((x.revenue_minor, x.units) for x in reports[0].lines) == [
        (80_000, 4),
        (1_200_050, 30),
    ]


def test_sending_the_same_file_twice_changes_nothing_the_second_time(client, auth, world):
    auth.sign_in(world.user_x)
    _upload(client, _rows(world))
    versions = dict(db.session.execute(select(StoreReport.id, StoreReport.version)).all())
    response = _upload(client, _rows(world))
    assert response.status_code == 302
    assert "Nothing changed" in client.get("/reports/import").get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == (2, 3)
    assert dict(db.session.execute(select(StoreReport.id, StoreReport.version)).all()) == versions


def test_any_bad_row_rejects_the_whole_file_with_a_row_by_row_report(client, auth, world):
    auth.sign_in(world.user_x)
    code = world.stores_x[0].code
    text = (
        HEADER
        + f"{code},{LAST},FTW,100,1\n"  # fine
        + f"NOPE,{LAST},FTW,100,1\n"  # unknown store
        + f"{world.stores_y[0].code},{LAST},FTW,100,1\n"  # another dealer's store
        + f"{code},{this_month(1)},FTW,100,1\n"  # future month
        + f"{code},{LAST},XXX,100,1\n"  # unknown product line
        + f"{code},{LAST},APP,-5,1\n"  # negative
        + f"{code},{LAST},APP,1.999,1\n"  # too many decimals
        + f"{code},{LAST},FTW,200,2\n"  # same cell as row 2
    )
    response = _upload(client, text)
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    own = ", ".join(sorted(store.code for store in world.stores_x))
    assert body.count(f"is not allowed here; use one of: {own}.") == 2
    assert "Choose a month from" in body
    assert '"XXX" is not allowed here; use one of: APP, FTW.' in body
    assert 'Found "-5": Amounts cannot be negative.' in body
    assert 'Found "1.999": Use at most 2 decimals.' in body
    assert "Same store, month and product line as row 2." in body
    assert _counts() == (0, 0)


def test_rows_for_submitted_reports_are_refused(client, auth, world):
    make_report(world.stores_x[0], LAST, status=ReportStatus.SUBMITTED)
    db.session.commit()
    auth.sign_in(world.user_x)
    response = _upload(client, _rows(world))
    assert response.status_code == 422
    assert "can no longer change" in response.get_data(as_text=True)
    assert _counts() == (1, 0)


@pytest.mark.parametrize(
    ("who", "ok"), [("supervisor_a", True), ("supervisor_b", False), ("admin", True)]
)
def test_supervisors_upload_for_their_regions_only(client, auth, world, who, ok):
    auth.sign_in(getattr(world, who))
    response = _upload(client, _rows(world))
    assert response.status_code == (302 if ok else 422)
    assert _counts() == ((2, 3) if ok else (0, 0))


def test_a_file_that_is_not_csv_text_is_refused(client, auth, world):
    auth.sign_in(world.user_x)
    response = client.post(
        "/reports/import",
        data={"file": (io.BytesIO(b"\xff\xfe\x00garbage"), "actuals.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert _counts() == (0, 0)


def test_row_errors_say_what_was_found_and_what_is_allowed(client, auth, world):
    auth.sign_in(world.user_x)
    code = world.stores_x[0].code
    text = HEADER + f"{code},{LAST[:4]}/{LAST[5:]},FTW,12.5x,1\n{code},{this_month(1)},FTW,1,-2\n"

    body = html.unescape(_upload(client, text).get_data(as_text=True))

    slash = f"{LAST[:4]}/{LAST[5:]}"
    assert f'Found "{slash}": Enter a month as YYYY-MM, for example 2026-03.' in body
    assert 'Found "12.5x": Enter an amount such as 12500 or 12,500.50.' in body
    assert f'Found "{this_month(1)}": Choose a month from' in body
    assert 'Found "-2": Counts cannot be negative.' in body


def _template(client) -> list[list[str]]:
    response = client.get("/reports/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_upload_page_offers_a_template_that_uploads_as_is(client, auth, world):
    auth.sign_in(world.user_x)
    page = client.get("/reports/import").get_data(as_text=True)
    assert 'href="/reports/import/template.csv"' in page

    rows = _template(client)

    assert rows[0] == HEADER.strip().split(",")
    assert len(rows) == 2
    assert rows[1][0] in {store.code for store in world.stores_x}
    assert rows[1][2] in {line.code for line in world.lines}
    assert rows[1][3:] == ["", ""]  # figures to fill in: sent unchanged, nothing is saved
    unchanged = _upload(client, "\n".join(",".join(row) for row in rows) + "\n")
    assert unchanged.status_code == 422
    assert "Enter the revenue." in unchanged.get_data(as_text=True)
    filled = ",".join([*rows[1][:3], "125000.00", "310"])
    assert _upload(client, f"{','.join(rows[0])}\n{filled}\n").status_code == 302
    assert _counts() == (1, 1)


def test_the_template_is_checked_like_the_upload_page(client, auth, world):
    for path in ("/reports/import", "/reports/import/template.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    auth.sign_in(world.user_y)

    rows = _template(client)

    assert rows[1][0] in {store.code for store in world.stores_y}  # never another dealer's


def test_a_dealer_sees_the_active_product_line_codes_on_the_upload_page(client, auth, world):
    make_product_line(code="OLD", name="Retired line").active = False
    world.lines[0].name = "Footwear"
    db.session.commit()
    auth.sign_in(world.user_x)

    page = client.get("/reports/import").get_data(as_text=True)

    table = page.split('data-testid="product-line-codes"', 1)[1].split("</table>", 1)[0]
    assert "<td><code>FTW</code></td><td>Footwear</td>" in table
    assert "<code>APP</code>" in table
    assert "OLD" not in table
    assert client.get("/product-lines/").status_code == 403  # the admin page stays admin-only


def test_every_upload_is_logged_with_its_counts_even_when_nothing_changed(client, auth, world):
    auth.sign_in(world.user_x)
    _upload(client, _rows(world))
    _upload(client, _rows(world))
    entries = db.session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.action == "store_report.import")
        .order_by(ActivityEntry.id)
    ).all()
    counts = [
        {k: e.details[k] for k in ("rows", "reports_created", "lines_changed", "lines_unchanged")}
        for e in entries
    ]
    assert counts == [
        {"rows": 3, "reports_created": 2, "lines_changed": 3, "lines_unchanged": 0},
        {"rows": 3, "reports_created": 0, "lines_changed": 0, "lines_unchanged": 3},
    ]
