"""Concurrent report submissions for one dealer and month against gunicorn (SQLite, or
PostgreSQL when PORTAL_TEST_DATABASE_URL is set): no error, nothing lost, exact totals.

Before the rollup's refresh became a locked upsert, two stores of one dealer submitting
for the same month on PostgreSQL answered 500 (`UniqueViolation pk_plan_actual_totals`).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from portal.metrics import plans as metrics
from portal.models import PlanActualTotal, PlanStatus, ReportStatus, Role, StoreReport
from tests.support import databases
from tests.support.factories import PASSWORD, make_dealer, make_product_line, make_store, make_user
from tests.support.live import gunicorn, tally_report_submission
from tests.support.plans import make_plan, this_month

pytestmark = pytest.mark.live

STORES = 8
MONTHS = 3
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 60


def _revenue_minor(store_index: int, month_index: int) -> int:
    return 100_000 * (store_index + 1) + 100 * month_index + 50


def _seed(url: str, directory) -> dict:
    app = create_app(databases.test_config(url, directory))
    with app.app_context():
        line = make_product_line(code="FTW")
        dealer = make_dealer(code="RD1")
        stores = [make_store(dealer, code=f"RS{n}") for n in range(STORES)]
        users = [
            make_user(Role.DEALER, dealer=dealer, email=f"rollup{n}@example.test").email
            for n in range(STORES)
        ]
        # Targets for the first two stores in the first month only: both kinds of actual.
        make_plan(
            dealer,
            this_month(-1),
            {(stores[0], line): (1_000_000, 10), (stores[1], line): (1_000_000, 10)},
            status=PlanStatus.APPROVED,
        )
        db.session.commit()
        seeded = {
            "dealer_id": dealer.id,
            "store_ids": [store.id for store in stores],
            "users": users,
            "line_id": line.id,
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


def _signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    session.headers["Connection"] = "close"
    page = session.get(f"{base}/sign-in", timeout=TIMEOUT)
    response = session.post(
        f"{base}/sign-in",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": TOKEN.search(page.text).group(1),
            "next": "",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, f"sign-in failed for {email}"
    return session


def test_concurrent_submissions_for_one_dealer_and_month_keep_exact_totals(tmp_path):
    url = databases.fresh_database("live_rollup", tmp_path)
    try:
        databases.migrate_to_head(url, tmp_path)
        seeded = _seed(url, tmp_path)
        with gunicorn(url, tmp_path, workers=3) as base:
            outcome = _submit_everything(base, seeded)
        _check(url, tmp_path, seeded, outcome)
    finally:
        if databases.is_postgres():
            databases.drop_postgres_database(make_url(url).database)


def _submit_everything(base: str, seeded: dict) -> Counter:
    sessions = [_signed_in(base, email) for email in seeded["users"]]
    tokens = [
        TOKEN.search(s.get(f"{base}/reports/new", timeout=TIMEOUT).text).group(1) for s in sessions
    ]
    line_id = seeded["line_id"]
    start = threading.Barrier(STORES)

    def client(index: int) -> Counter:
        outcome: Counter = Counter()
        start.wait(timeout=TIMEOUT)
        for month in range(MONTHS):  # every client submits the same month at the same time
            minor = _revenue_minor(index, month)
            data = {
                "csrf_token": tokens[index],
                "store_id": seeded["store_ids"][index],
                "period": this_month(-1 - month),
                f"revenue_{line_id}": f"{minor // 100}.{minor % 100:02d}",
                f"units_{line_id}": str(index + 1),
                "footfall": "100",
                "action": "submit",
            }
            try:
                response = sessions[index].post(
                    f"{base}/reports/new", data=data, allow_redirects=False, timeout=TIMEOUT
                )
            except requests.RequestException:
                outcome["network_error"] += 1
                continue
            tally_report_submission(outcome, response)
        return outcome

    with ThreadPoolExecutor(max_workers=STORES) as pool:
        return sum(pool.map(client, range(STORES)), Counter())


def _check(url: str, directory, seeded: dict, outcome: Counter) -> None:
    backend = make_url(url).get_backend_name()
    print(f"\nrollup live ({backend}): {dict(outcome)}")
    assert outcome == Counter({"acknowledged": STORES * MONTHS})
    app = create_app(databases.test_config(url, directory))
    with app.app_context():
        submitted = db.session.scalars(
            select(StoreReport).where(StoreReport.status == ReportStatus.SUBMITTED)
        ).all()
        assert len(submitted) == STORES * MONTHS
        dealer_id = seeded["dealer_id"]
        for month in range(MONTHS):
            period = this_month(-1 - month)
            row = db.session.get(PlanActualTotal, (dealer_id, period))
            revenues = [_revenue_minor(index, month) for index in range(STORES)]
            units = [index + 1 for index in range(STORES)]
            if month == 0:  # stores 0 and 1 have targets
                expected = (2_000_000, sum(revenues[:2]), 20, sum(units[:2]), 2, 2)
                expected += (sum(revenues[2:]), sum(units[2:]), STORES - 2)
            else:
                expected = (0, 0, 0, 0, 0, 0, sum(revenues), sum(units), STORES)
            assert (
                row.t_revenue, row.a_revenue, row.t_units, row.a_units, row.t_lines,
                row.a_lines, row.u_revenue, row.u_units, row.u_lines,
            ) == expected  # fmt: skip
        window = {"first": this_month(-MONTHS), "last": this_month(-1)}
        assert metrics.plan_vs_actual(("dealer_id", "period"), **window) == (
            metrics.plan_vs_actual(("dealer_id", "period"), **window, from_lines=True)
        )
        db.session.remove()
        db.engine.dispose()
