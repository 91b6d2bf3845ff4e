"""API throughput on a large network, served by gunicorn on 127.0.0.1 (issue 15).

Seeds a temporary SQLite file (or reuses one) with `flask seed-large`, makes an admin API
token with `flask api-token`, starts gunicorn and prints, beside /healthz of the same run:

- an actuals push of N rows (stores x product lines for the current month, one request):
  the first push (creates draft reports), the same push again (changes nothing), and the
  same push with its Idempotency-Key again (answered from the stored answer);
- a paginated read of every store (`/api/v1/stores?limit=500`, following next_cursor).

    python bench/api.py                                  # 2,000 dealers, 10,000 rows
    python bench/api.py --dealers 50 --rows 500          # a quick check
    python bench/api.py --sqlite-file /tmp/big.sqlite3   # reuse a seeded file
    python bench/api.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/big
    python bench/api.py --sqlite-file /tmp/big.sqlite3 --period 2099-10   # run it again

The first push is timed as a first push only into a month the stores have no reports for:
on a reused database, run again with another `--period` (a month the actuals import takes).

Times are taken at the client on loopback; on a busy machine compare them with /healthz.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.pages import app_env, seed  # noqa: E402
from tests.support.clock import test_today  # noqa: E402
from tests.support.live import gunicorn  # noqa: E402

TIMEOUT = 600


def make_token(url: str, instance: Path) -> str:
    """An admin's read-write token, made on the test clock the server runs on."""
    engine = create_engine(url)
    with engine.connect() as conn:
        email = conn.execute(
            text("SELECT email FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 1")
        ).scalar_one()
    engine.dispose()
    command = [sys.executable, "-m", "tests.support.clocked_flask", "--app", "app"]
    command += ["api-token", email, "--name", f"bench {uuid.uuid4().hex[:6]}"]
    done = subprocess.run(
        command, cwd=ROOT, env=app_env(url, instance), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"api-token failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def rows_for(base: str, headers: dict, count: int, period: str) -> list[dict]:
    """`count` rows: every active line of the first stores, in store order."""
    lines = requests.get(
        f"{base}/api/v1/product-lines?active=true&limit=500", headers=headers, timeout=TIMEOUT
    ).json()["items"]
    rows: list[dict] = []
    cursor = None
    while len(rows) < count:
        query = {"limit": 500, "sort": "code", **({"cursor": cursor} if cursor else {})}
        page = requests.get(
            f"{base}/api/v1/stores", params=query, headers=headers, timeout=TIMEOUT
        ).json()
        for store in page["items"]:
            if store["status"] == "closed" or not store["active"]:
                continue
            for line in lines:
                rows.append(
                    {
                        "store_code": store["code"],
                        "period": period,
                        "product_line": line["code"],
                        "revenue": f"{1000 + len(rows)}.50",
                        "units": len(rows) % 50,
                    }
                )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return rows[:count]


def timed(call) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = call()
    return time.perf_counter() - started, response


def healthz(base: str, times: int = 20) -> float:
    samples = [
        timed(lambda: requests.get(f"{base}/healthz", timeout=TIMEOUT))[0] for _ in range(times)
    ]
    return statistics.median(samples) * 1000


def read_all_stores(base: str, headers: dict) -> tuple[float, int, int]:
    started, count, pages, cursor = time.perf_counter(), 0, 0, None
    while True:
        query = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{base}/api/v1/stores", params=query, headers=headers, timeout=TIMEOUT)
        page.raise_for_status()
        body = page.json()
        count, pages, cursor = count + len(body["items"]), pages + 1, body["next_cursor"]
        if cursor is None:
            return time.perf_counter() - started, count, pages


def measure(url: str, instance: Path, rows_wanted: int, period: str) -> None:
    token = make_token(url, instance)
    headers = {"Authorization": f"Bearer {token}"}
    extra = {"PORTAL_API_RATE_LIMIT": "1000000"}
    with gunicorn(url, instance, workers=2, extra_env=extra) as base:
        print(f"/healthz p50 before: {healthz(base):.1f} ms")
        rows = rows_for(base, headers, rows_wanted, period)
        body = {"rows": rows}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        push = lambda extra_headers: requests.post(  # noqa: E731
            f"{base}/api/v1/actuals",
            json=body,
            headers={**headers, **extra_headers},
            timeout=TIMEOUT,
        )
        for label, extra_headers in (
            ("first push", key),
            ("same push again (no key)", {}),
            ("same push, same Idempotency-Key", key),
        ):
            seconds, response = timed(lambda extra_headers=extra_headers: push(extra_headers))
            if response.status_code != 200:
                raise SystemExit(f"{label}: {response.status_code} {response.text[:2000]}")
            result = response.json()
            print(
                f"actuals push, {label}: {len(rows):,} rows in {seconds:.2f} s "
                f"= {len(rows) / seconds:,.0f} rows/s  {result}"
            )
            if label == "first push" and result["lines_unchanged"]:
                print(f"  (not a first push: {period} already held these figures; see --period)")
        seconds, count, pages = read_all_stores(base, headers)
        print(
            f"read all stores: {count:,} stores in {pages} pages, {seconds:.2f} s "
            f"= {count / seconds:,.0f} stores/s, {seconds / pages * 1000:.0f} ms a page"
        )
        print(f"/healthz p50 after: {healthz(base):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sqlite-file", help="an already seeded SQLite file to use as is")
    parser.add_argument("--postgres-url", help="an already seeded PostgreSQL database to use")
    parser.add_argument(
        "--period",
        default=test_today().strftime("%Y-%m"),
        help="the month pushed (default: this month on the test clock the server runs on)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        instance = Path(scratch)
        if args.postgres_url:
            url = args.postgres_url
        elif args.sqlite_file:
            url = f"sqlite:///{Path(args.sqlite_file).resolve()}"
        else:
            url = f"sqlite:///{instance / 'bench.sqlite3'}"
            print(f"seed-large --dealers {args.dealers}: {seed(url, instance, args.dealers):.0f} s")
        print(f"actuals for {args.period}")
        measure(url, instance, args.rows, args.period)


if __name__ == "__main__":
    main()
