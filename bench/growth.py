"""How the admin home page grows with the network: 200, 2,000 and 6,000 dealers (issue 13).

For each size: seed a temporary PostgreSQL database (or SQLite file) with `flask seed-large
--dealers N` (timed), let the database gather its statistics (VACUUM ANALYZE, as autovacuum
would on a live server), serve it with gunicorn (2 workers) and time, with `pages.py`'s
client: the admin home page warm, the admin home right after a change to one dealer (the
change saved through the portal's own session before each request, so that dealer's figures
row is recomputed by the change's transaction), and /healthz, the floor of the same run.
Target (issue 13): the admin home after a change under 150 ms p95 at 6,000 dealers (it was
1,351 ms p50 when every change made each worker recompute the whole network).

    python bench/growth.py                          # 200, 2000, 6000 on PostgreSQL
    python bench/growth.py --sizes 200,2000 --database sqlite --requests 20
    python bench/growth.py --reuse 2000=postgresql+psycopg://postgres@127.0.0.1:5432/big

PostgreSQL: PORTAL_BENCH_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432);
databases named portal_bench_growth_N are created and dropped (never a reused one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench import pages  # noqa: E402

PAGES = [
    ("admin", "home (admin)", "/home"),
    ("admin", "home (admin), after a change", "/home"),
    (None, "/healthz", "/healthz"),
]


def analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    finally:
        engine.dispose()


def database(name: str, kind: str, directory: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory / (name + '.sqlite3')}"
    with psycopg.connect(pages.admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{pages.postgres_server()}/{name}"


def drop(name: str, kind: str) -> None:
    if kind == "postgresql":
        with psycopg.connect(pages.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,2000,6000", help="dealer counts")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    parser.add_argument(
        "--reuse", action="append", default=[], help="SIZE=URL: an already seeded database"
    )
    args = parser.parse_args()
    reused = dict(item.split("=", 1) for item in args.reuse)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as scratch:
        for size in (int(value) for value in args.sizes.split(",")):
            instance = Path(scratch) / str(size)
            instance.mkdir()
            name = f"portal_bench_growth_{size}"
            url, seconds = reused.get(str(size)), None
            try:
                if url is None:
                    url = database(name, args.database, instance)
                    seconds = pages.seed(url, instance, size)
                    started = time.perf_counter()
                    analyze(url)
                    seconds += time.perf_counter() - started
                rows = pages.measure(url, instance, args.requests, PAGES)
            finally:
                if str(size) not in reused:
                    drop(name, args.database)
            results.append((size, seconds, rows))
            pages.report(f"{args.database}, {size} dealers", seconds, rows)
    print(f"\n== admin home by network size ({args.database}; p50 / p95 ms, x /healthz p95)")
    print(f"{'dealers':>8} {'warm':>16} {'after a change':>16} {'/healthz':>10}  target")
    for size, _seconds, rows in results:
        found = {label: (p50, p95) for label, p50, p95 in rows}
        floor = found["/healthz"][1]
        warm, changed = found["home (admin)"], found["home (admin), after a change"]
        verdict = ""
        if size >= 6000:
            verdict = ("ok" if changed[1] < 150 else "MISSED") + " (after a change p95 < 150)"
        print(
            f"{size:8} {warm[0]:7.1f} / {warm[1]:6.1f} {changed[0]:7.1f} / {changed[1]:6.1f} "
            f"{floor:10.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
