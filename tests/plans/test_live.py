"""R1, R2, R3 against gunicorn on 127.0.0.1 (SQLite, or PostgreSQL when configured).

Clients sign in through the real form and send the CSRF tokens their pages gave them
(CSRF stays on). Loops are bounded in count; every request has a timeout.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from portal.models import ReportStatus, Role, SalesPlan, StoreReport
from tests.support import databases
from tests.support.factories import PASSWORD, make_dealer, make_product_line, make_store, make_user
from tests.support.live import gunicorn, tally_report_submission
from tests.support.plans import make_plan, this_month

pytestmark = pytest.mark.live

CLIENTS = 20
SUBMISSIONS = 25
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([0-9]+)"')
TIMEOUT = 30


@dataclass
class Site:
    base: str
    url: str
    directory: object
    r1_users: list[tuple[str, int]]  # (email, store id)
    r2_users: list[str]
    r2_plan: int
    r2_cell: str
    line_id: int
    line_code: str

    def app(self):
        return create_app(databases.test_config(self.url, self.directory))


def _seed(url: str, directory) -> dict:
    app = create_app(databases.test_config(url, directory))
    with app.app_context():
        line = make_product_line(code="FTW")
        r1 = []
        for number in range(CLIENTS):
            dealer = make_dealer(code=f"LD{number:02d}")
            store = make_store(dealer, code=f"LS{number:02d}")
            user = make_user(Role.DEALER, dealer=dealer, email=f"live{number}@example.test")
            r1.append((user.email, store.id))
        dealer = make_dealer(code="R2D")
        store = make_store(dealer, code="R2S")
        plan = make_plan(dealer, this_month(2), {(store, line): (100, 1)})
        r2 = [
            make_user(Role.DEALER, dealer=dealer, email=f"r2-{n}@example.test").email
            for n in range(CLIENTS)
        ]
        db.session.commit()
        seeded = {
            "r1_users": r1,
            "r2_users": r2,
            "r2_plan": plan.id,
            "r2_cell": f"revenue-{store.id}-{line.id}",
            "line_id": line.id,
            "line_code": line.code,
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("live_plans")
    url = databases.fresh_database("live_plans", directory)
    databases.migrate_to_head(url, directory)
    seeded = _seed(url, directory)
    try:
        with gunicorn(url, directory, workers=3) as base:
            yield Site(base=base, url=url, directory=directory, **seeded)
    finally:
        if databases.is_postgres():
            databases.drop_postgres_database(make_url(url).database)


def _token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    # A fresh connection per request: gunicorn closes idle keep-alive connections after 2 s,
    # and a POST racing that close fails in the client (a transport artefact, not the app's).
    session.headers["Connection"] = "close"
    page = session.get(f"{base}/sign-in", timeout=TIMEOUT)
    response = session.post(
        f"{base}/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": _token(page.text), "next": ""},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
    return session


def _count(site: Site, model, *conditions) -> int:
    app = site.app()
    with app.app_context():
        value = db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        db.session.remove()
        db.engine.dispose()
    return value


def test_r1_twenty_clients_submitting_25_reports_each_lose_nothing(site):
    def client(index: int) -> Counter:
        email, store_id = site.r1_users[index]
        session = _signed_in(site.base, email)
        token = _token(session.get(f"{site.base}/reports/new", timeout=TIMEOUT).text)
        outcome: Counter = Counter()
        for number in range(SUBMISSIONS):
            data = {
                "csrf_token": token,
                "store_id": store_id,
                "period": this_month(-1 - number),
                f"revenue_{site.line_id}": f"{1000 + number}.50",
                f"units_{site.line_id}": str(number + 1),
                "footfall": "100",
                "action": "submit",
            }
            try:
                response = session.post(
                    f"{site.base}/reports/new", data=data, allow_redirects=False, timeout=TIMEOUT
                )
            except requests.RequestException:
                outcome["network_error"] += 1
                continue
            tally_report_submission(outcome, response)
        return outcome

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        totals = sum(pool.map(client, range(CLIENTS)), Counter())
    rows = _count(site, StoreReport, StoreReport.status == ReportStatus.SUBMITTED)
    errors = {key: count for key, count in totals.items() if key != "acknowledged"}
    backend = make_url(site.url).get_backend_name()
    print(f"\nR1 ({backend}): rows={rows} acknowledged={totals['acknowledged']} errors={errors}")
    assert totals["5xx"] == 0
    assert totals["network_error"] == 0
    assert totals["acknowledged"] == CLIENTS * SUBMISSIONS
    assert rows == totals["acknowledged"]


def test_r2_twenty_clients_saving_one_plan_at_the_same_version_one_wins(site):
    sessions, forms = [], []
    for email in site.r2_users:
        session = _signed_in(site.base, email)
        page = session.get(f"{site.base}/plans/{site.r2_plan}/edit", timeout=TIMEOUT).text
        sessions.append(session)
        forms.append((_token(page), VERSION.search(page).group(1)))
    assert len({version for _token_value, version in forms}) == 1
    start = threading.Barrier(CLIENTS)

    def save(index: int) -> int:
        token, version = forms[index]
        data = {
            "csrf_token": token,
            "version": version,
            site.r2_cell: str(1000 + index),
            "note": f"client {index}",
            "action": "save",
        }
        start.wait(timeout=TIMEOUT)
        response = sessions[index].post(
            f"{site.base}/plans/{site.r2_plan}/edit",
            data=data,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = Counter(pool.map(save, range(CLIENTS)))
    assert statuses == Counter({302: 1, 409: CLIENTS - 1})
    app = site.app()
    with app.app_context():
        plan = db.session.get(SalesPlan, site.r2_plan)
        winner = int(plan.note.split()[-1])
        assert plan.lines[0].revenue_minor == (1000 + winner) * 100
        assert plan.version == 2
        db.session.remove()
        db.engine.dispose()


def _fire(session: requests.Session, url: str, data: dict, times: int = 10) -> Counter:
    start = threading.Barrier(times)

    def post(_index: int) -> int:
        start.wait(timeout=TIMEOUT)
        return session.post(url, data=data, allow_redirects=False, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=times) as pool:
        return Counter(pool.map(post, range(times)))


def test_r3_the_same_post_ten_times_at_once_makes_one_record(site):
    email, store_id = site.r1_users[0]
    session = _signed_in(site.base, email)
    token = _token(session.get(f"{site.base}/reports/new", timeout=TIMEOUT).text)
    period = this_month(-30)
    report = {
        "csrf_token": token,
        "store_id": store_id,
        "period": period,
        f"revenue_{site.line_id}": "77",
        f"units_{site.line_id}": "7",
        "action": "submit",
    }
    statuses = _fire(session, f"{site.base}/reports/new", report)
    assert statuses == Counter({302: 10})
    assert (
        _count(site, StoreReport, StoreReport.store_id == store_id, StoreReport.period == period)
        == 1
    )

    plan_period = this_month(5)
    plan = {
        "csrf_token": token,
        "period": plan_period,
        "action": "submit",
        f"revenue-{store_id}-{site.line_id}": "5000",
        f"units-{store_id}-{site.line_id}": "5",
    }
    statuses = _fire(session, f"{site.base}/plans/new?period={plan_period}", plan)
    assert statuses == Counter({302: 10})
    assert _count(site, SalesPlan, SalesPlan.period == plan_period) == 1
