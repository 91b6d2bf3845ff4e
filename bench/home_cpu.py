"""What one home page costs the web process, right after a change, measured in-process.

On an already seeded database (`flask seed-large`), signs in through the real form with the
Flask test client as the first administrator or supervisor, then N times: saves a change to
one dealer's store report line (as `pages.py` does before each "after a change" request)
and opens `/home` (or `--path`, another staff page). Prints per request the CPU time of
this process (the page's Python work, the driver's included; the database server's
excluded), the wall time, the number of queries, the wall time spent in the database
calls and in garbage collection (a full collection of this process's heap shows as a rare
spike: compare medians). `--profile FILE`
writes a cProfile of the requests (`python -m pstats FILE`). CPU time does not count the
time the process waits for a core, so it varies far less than wall time on a busy machine;
compare runs of two versions of the code on the same database, one after the other.

    python bench/home_cpu.py postgresql+psycopg://postgres@127.0.0.1:5432/big --role admin
    python bench/home_cpu.py sqlite:////tmp/big.sqlite3 --role supervisor --requests 50
    python bench/home_cpu.py postgresql+psycopg://postgres@127.0.0.1:5432/big --path /targets/
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import pages  # noqa: E402
from tests.support import clock  # noqa: E402
from tests.support.databases import TEST_SECRET  # noqa: E402


class Meter:
    """Queries and the time spent in them and in garbage collection, since `reset()`."""

    def __init__(self, engine) -> None:
        self.by_statement: dict[str, list[float]] = {}
        self.reset()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        gc.callbacks.append(self._collecting)

    def reset(self) -> None:
        self.queries, self.in_database, self.in_gc = 0, 0.0, 0.0

    def _before(self, conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, *_args) -> None:
        took = time.perf_counter() - conn.info.pop("bench_started")
        self.queries += 1
        self.in_database += took
        self.by_statement.setdefault(statement, []).append(took)

    def _collecting(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.in_gc += time.perf_counter() - self._gc_started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="an already seeded database")
    parser.add_argument("--role", choices=("admin", "supervisor", "dealer"), default="admin")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", help="write a cProfile of the measured requests here")
    parser.add_argument("--path", default="/home", help="the page to open (default /home)")
    parser.add_argument(
        "--queries", type=int, default=0, help="also print the N slowest statements (median)"
    )
    args = parser.parse_args()

    from portal import create_app
    from portal.extensions import db

    people, found = pages.accounts(args.url)
    with tempfile.TemporaryDirectory(prefix="bench-home-cpu-") as scratch:
        instance = Path(scratch)
        change = pages.OneDealerChange(args.url, instance, int(found["dealer"]), found["day"])
        config = {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": str(instance),
        }
        app = create_app(config)
        with app.app_context():
            meter = Meter(db.engine)
        profile = cProfile.Profile() if args.profile else None
        rows: list[tuple[float, float, int, float, float]] = []
        with time_machine.travel(clock.at(found["day"]), tick=True):
            client = app.test_client()
            token = pages.TOKEN.search(client.get("/sign-in").get_data(as_text=True))
            form = {"email": people[args.role], "password": pages.PASSWORD}
            form["csrf_token"] = token.group(1) if token else ""
            if client.post("/sign-in", data=form).status_code != 302:
                raise SystemExit(f"sign-in failed for {people[args.role]}")
            for _ in range(3):  # warm up: templates, compiled statements, caches
                client.get(args.path)
            meter.by_statement.clear()
            for _ in range(args.requests):
                change()
                meter.reset()
                cpu, wall = time.process_time(), time.perf_counter()
                if profile:
                    profile.enable()
                response = client.get(args.path)
                if profile:
                    profile.disable()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if response.status_code != 200:
                    raise SystemExit(f"{args.path}: HTTP {response.status_code}")
                rows.append((cpu, wall, meter.queries, meter.in_database, meter.in_gc))
        change.close()
        with app.app_context():
            db.engine.dispose()
    if profile:
        profile.dump_stats(args.profile)
    report(args.path, args.role, rows)
    if args.queries:
        slowest(meter.by_statement, args.queries)


def report(path: str, role: str, rows: list[tuple[float, float, int, float, float]]) -> None:
    print(f"{path} ({role}), after a change: {len(rows)} requests")
    print(f"{'per request':28} {'median':>8} {'mean':>8} {'min':>8} {'max':>8}")
    names = ("CPU ms (web process)", "wall ms", "queries", "in the database ms", "in GC ms")
    for index, name in enumerate(names):
        values = [row[index] * (1 if name == "queries" else 1000) for row in rows]
        print(
            f"{name:28} {statistics.median(values):8.1f} {statistics.mean(values):8.1f} "
            f"{min(values):8.1f} {max(values):8.1f}"
        )


def slowest(by_statement: dict[str, list[float]], count: int) -> None:
    """The statements that took longest (median ms per run), with their first SQL."""
    ranked = sorted(by_statement.items(), key=lambda item: -statistics.median(item[1]))
    print(f"\n{'median ms':>9} {'runs':>5}  statement")
    for statement, times in ranked[:count]:
        text = " ".join(statement.split())
        print(f"{statistics.median(times) * 1000:9.2f} {len(times):5}  {text[:150]}")


if __name__ == "__main__":
    main()
