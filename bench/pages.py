"""Page times on a large network, served by gunicorn on 127.0.0.1, on SQLite and PostgreSQL.

For each database: seed a temporary database with `flask seed-large` (timed), start
gunicorn, sign in through the real form as an administrator, a supervisor and a dealer
user, request each page N times one after another and print p50 and p95 of the time
each response took (measured at the client, on loopback), with /healthz beside them as
the floor of the same run. Targets: issue 7, p95 under 200 ms for every page listed;
issue 13, p95 under 100 ms and within 50x of /healthz for the home pages, search and the
audits list, warm and right after a change.

The home pages are also timed right after a change to one dealer: before each request the
bench changes one of the supervisor's dealer's store report lines through the portal's own
session (as a request saving a report would), so that dealer's figures row is recomputed
by the change's transaction; the page then reads the rows as always.

The servers run on the day the network was seeded (the day its figures rows hold).

    python bench/pages.py                       # 2,000 dealers, both databases
    python bench/pages.py --dealers 300 --requests 10 --databases sqlite
    python bench/pages.py --sqlite-file /tmp/big.sqlite3   # reuse a seeded file

PostgreSQL: PORTAL_BENCH_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432);
a database named portal_bench_pages is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
import time_machine  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.support import clock  # noqa: E402
from tests.support.databases import TEST_SECRET  # noqa: E402
from tests.support.live import gunicorn  # noqa: E402

PASSWORD = "portal-large"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATABASE = "portal_bench_pages"
TIMEOUT = 60

# (role, label, path); {dealer} is the supervisor's (and dealer user's) first dealer.
PAGES = [
    ("admin", "home (admin)", "/home"),
    ("supervisor", "home (supervisor)", "/home"),
    ("dealer", "home (dealer)", "/home"),
    ("admin", "dealer list (admin)", "/dealers/"),
    ("supervisor", "dealer list (supervisor)", "/dealers/"),
    ("admin", "dealer page (admin)", "/dealers/{dealer}"),
    ("dealer", "dealer page (dealer)", "/dealers/{dealer}"),
    ("admin", "plan review queue (admin)", "/plans/review"),
    ("supervisor", "plan review queue (supervisor)", "/plans/review"),
    ("supervisor", "report review queue (supervisor)", "/reports/review"),
    ("admin", "plan vs actual (admin)", "/plans/performance"),
    ("supervisor", "plan vs actual (supervisor)", "/plans/performance"),
    ("admin", "store list (admin)", "/stores/"),
    ("admin", "audits list (admin)", "/audits/"),
    ("admin", "actions list (admin)", "/actions/"),
    ("admin", "notices list (admin)", "/notices/"),
    ("supervisor", "audits list (supervisor)", "/audits/"),
    ("admin", "complaint list (admin)", "/complaints/"),
    ("supervisor", "complaint list (supervisor)", "/complaints/"),
    ("dealer", "complaint list (dealer)", "/complaints/"),
    ("admin", "search (admin)", "/search?q={city}"),
    ("supervisor", "search (supervisor)", "/search?q={city}"),
    ("dealer", "search (dealer)", "/search?q={city}"),
    ("admin", "targets overview (admin)", "/targets/"),
    ("supervisor", "targets overview (supervisor)", "/targets/"),
    ("admin", "prospects (admin)", "/prospects/"),
    ("supervisor", "prospects (supervisor)", "/prospects/"),
    ("admin", "blank markets (admin)", "/prospects/markets"),
    ("supervisor", "blank markets (supervisor)", "/prospects/markets"),
    ("admin", "contracts overview (admin)", "/contracts/"),
    ("supervisor", "contracts overview (supervisor)", "/contracts/"),
    ("dealer", "contracts and documents (dealer)", "/contracts/dealers/{dealer}"),
    ("admin", "receivables by dealer (admin)", "/receivables/"),
    ("supervisor", "receivables by dealer (supervisor)", "/receivables/"),
    ("admin", "receivables by region (admin)", "/receivables/regions"),
    ("dealer", "statement (dealer)", "/receivables/dealers/{dealer}"),
    ("supervisor", "collection tasks (supervisor)", "/receivables/collections/"),
    (None, "/healthz", "/healthz"),
]
# The home pages right after a change to one dealer (made before each request).
AFTER_A_CHANGE = [
    ("admin", "home (admin), after a change", "/home"),
    ("supervisor", "home (supervisor), after a change", "/home"),
    ("dealer", "home (dealer), after a change", "/home"),
]
# Issue 13's pages: p95 under 100 ms and within 50x of /healthz.
ISSUE_13 = ("home", "search", "audits list")


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def app_env(url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_INSTANCE_PATH": str(instance),
    }


def seed(url: str, instance: Path, dealers: int) -> float:
    env = app_env(url, instance)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    run([*flask, "db", "upgrade"], env)
    started = time.perf_counter()
    output = run([*flask, "seed-large", "--dealers", str(dealers)], env)
    elapsed = time.perf_counter() - started
    print(output.rstrip())
    return elapsed


def accounts(url: str) -> tuple[dict[str, str], dict[str, object]]:
    """The first admin, supervisor and dealer user made by the generator; the dealer user's
    dealer, its city (to search for) and the day its figures were computed for."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:

            def first(role: str) -> tuple[str, int | None]:
                return conn.execute(
                    text(
                        "SELECT email, dealer_id FROM users WHERE role = :role "
                        "AND email LIKE '%@large.example' ORDER BY id LIMIT 1"
                    ),
                    {"role": role},
                ).one()

            admin, supervisor, dealer = first("admin"), first("supervisor"), first("dealer")
            city = conn.execute(
                text("SELECT city FROM dealers WHERE id = :id"), {"id": dealer[1]}
            ).scalar_one()
            day = conn.execute(text("SELECT MAX(as_of) FROM dealer_figures")).scalar()
            complaints = conn.execute(text("SELECT COUNT(*) FROM complaints")).scalar_one()
    finally:
        engine.dispose()
    if not complaints:
        raise SystemExit("the network has no complaints: the complaint lists would be empty")
    people = {"admin": admin[0], "supervisor": supervisor[0], "dealer": dealer[0]}
    day = date.fromisoformat(str(day)[:10]) if day else date.today()
    return people, {"dealer": dealer[1], "city": city, "day": day}


class OneDealerChange:
    """Saves a change to one dealer's store report through the portal's own session, as a
    request would: the rollup and that dealer's figures row are recomputed before COMMIT."""

    def __init__(self, url: str, instance: Path, dealer_id: int, day: date) -> None:
        from portal import create_app

        config = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": str(instance),
        }
        self.app = create_app(config)
        self.dealer_id, self.day, self.count = dealer_id, day, 0
        self.times: list[float] = []

    def __call__(self) -> None:
        from portal.extensions import db
        from portal.models import StoreReport, StoreReportLine

        self.count += 1
        with time_machine.travel(clock.at(self.day)), self.app.app_context():
            started = time.perf_counter()
            line = db.session.scalar(
                select(StoreReportLine)
                .join(StoreReport, StoreReport.id == StoreReportLine.report_id)
                .where(
                    StoreReport.dealer_id == self.dealer_id,
                    StoreReport.status.in_(("submitted", "reviewed")),
                )
                .order_by(StoreReport.period.desc(), StoreReportLine.id)
                .limit(1)
            )
            line.revenue_minor += 100 if self.count % 2 else -100
            db.session.commit()
            self.times.append((time.perf_counter() - started) * 1000)
            db.session.remove()

    def close(self) -> None:
        from portal.extensions import db

        with self.app.app_context():
            db.engine.dispose()


def sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/sign-in", timeout=TIMEOUT)
    token = TOKEN.search(form.text)
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    response = session.post(f"{base}/sign-in", data=data, timeout=TIMEOUT, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed for {email}: {response.status_code}")
    return session


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(
    url: str, instance: Path, requests_per_page: int, pages: list | None = None
) -> list[tuple[str, float, float]]:
    """p50 and p95 of each page (`pages`: a subset of PAGES + AFTER_A_CHANGE; all by
    default), then of the changes made before the "after a change" requests."""
    pages = PAGES + AFTER_A_CHANGE if pages is None else pages
    people, found = accounts(url)
    values = {"dealer": found["dealer"], "city": quote(str(found["city"]))}
    rows = []
    change = OneDealerChange(url, instance, int(found["dealer"]), found["day"])
    serve_on = {"PORTAL_TEST_TODAY": found["day"].isoformat()}
    with gunicorn(url, instance, workers=2, extra_env=serve_on) as base:
        sessions = {role: sign_in(base, email) for role, email in people.items()}
        sessions[None] = requests.Session()
        for role, label, path in pages:
            session = sessions[role]
            target = base + path.format(**values)
            first = session.get(target, timeout=TIMEOUT)  # warm the worker's caches
            if first.status_code != 200:
                raise SystemExit(f"{label}: HTTP {first.status_code}")
            times = []
            for _ in range(requests_per_page):
                if (role, label, path) in AFTER_A_CHANGE:
                    change()
                started = time.perf_counter()
                response = session.get(target, timeout=TIMEOUT)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            rows.append((label, statistics.median(times), percentile(times, 0.95)))
    if change.times:
        rows.append(
            (
                "the change itself (one dealer's report)",
                statistics.median(change.times),
                percentile(change.times, 0.95),
            )
        )
    change.close()
    return rows


def report(name: str, seconds: float | None, rows: list[tuple[str, float, float]]) -> None:
    print()
    seeded = f", seeded in {seconds:.0f} s" if seconds is not None else ""
    print(f"== {name}{seeded}")
    floor = next((p95 for label, _p50, p95 in rows if label == "/healthz"), None)
    print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'x healthz':>9}  target")
    for label, p50, p95 in rows:
        ratio = f"{p95 / floor:9.1f}" if floor and label != "/healthz" else " " * 9
        if label.startswith(ISSUE_13):
            ok = p95 < 100 and (floor is None or p95 <= 50 * floor)
            verdict = ("ok" if ok else "MISSED") + " (p95 < 100 ms, within 50x /healthz)"
        elif label == "/healthz" or label.startswith("the change"):
            verdict = ""
        else:
            verdict = ("ok" if p95 < 200 else "MISSED") + " (p95 < 200 ms)"
        print(f"{label:42} {p50:8.1f} {p95:8.1f} {ratio}  {verdict}")


def postgres_server() -> str:
    return os.environ.get("PORTAL_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


def admin_dsn() -> str:
    base = make_url(postgres_server() + "/postgres").set(drivername="postgresql")
    return base.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sqlite-file", help="an already seeded SQLite file to use as is")
    parser.add_argument("--postgres-url", help="an already seeded PostgreSQL database to use")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.databases.split(",") if name.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as scratch:
        directory = Path(scratch)
        if "sqlite" in chosen:
            instance = directory / "sqlite"
            instance.mkdir()
            seconds = None
            if args.sqlite_file:
                url = f"sqlite:///{Path(args.sqlite_file).resolve()}"
            else:
                url = f"sqlite:///{instance / 'bench.sqlite3'}"
                seconds = seed(url, instance, args.dealers)
            report("SQLite", seconds, measure(url, instance, args.requests))
        if "postgresql" in chosen:
            instance = directory / "postgresql"
            instance.mkdir()
            seconds = None
            if args.postgres_url:
                url = args.postgres_url
            else:
                with psycopg.connect(admin_dsn(), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{DATABASE}"')
                url = f"{postgres_server()}/{DATABASE}"
                seconds = seed(url, instance, args.dealers)
            try:
                report("PostgreSQL", seconds, measure(url, instance, args.requests))
            finally:
                if not args.postgres_url:
                    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
