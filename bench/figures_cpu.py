"""What recomputing dealers' figures costs the process, measured in-process.

Every committed change recomputes its dealers' `dealer_figures` rows before COMMIT
(`portal.metrics.dealer_figures.compute`). On an already seeded database (`flask
seed-large`), inside an app context, computes one dealer's figures N times, then 50
dealers' at once N times, as of the day the seeded rows were computed for, and prints per
compute the CPU time of this process (SQLAlchemy's statement building and the driver's
work; the database server's excluded), the wall time, the queries and the wall time spent
in the database calls. Nothing is written. `--digest` also prints a hash of every dealer's
computed values: two versions of the code that compute the same figures print the same
hash. `--profile FILE` writes a cProfile of the one-dealer computes.

    python bench/figures_cpu.py postgresql+psycopg://postgres@127.0.0.1:5432/big
    python bench/figures_cpu.py sqlite:////tmp/big.sqlite3 --runs 200 --digest
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from bench import pages  # noqa: E402
from bench.home_cpu import Meter  # noqa: E402
from tests.support.databases import TEST_SECRET  # noqa: E402

Row = tuple[float, float, int, float]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="an already seeded database")
    parser.add_argument("--runs", type=int, default=100, help="computes per measurement")
    parser.add_argument("--many", type=int, default=50, help="dealers in the batched compute")
    parser.add_argument("--profile", help="write a cProfile of the one-dealer computes here")
    parser.add_argument(
        "--digest", action="store_true", help="also print a hash of every dealer's figures"
    )
    args = parser.parse_args()

    from portal import create_app
    from portal.extensions import db
    from portal.metrics import dealer_figures
    from portal.models import Dealer

    _people, found = pages.accounts(args.url)
    day, dealer_id = found["day"], int(found["dealer"])
    with tempfile.TemporaryDirectory(prefix="bench-figures-cpu-") as scratch:
        config = {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": scratch,
        }
        app = create_app(config)
        with app.app_context():
            meter = Meter(db.engine)
            ids = list(db.session.scalars(select(Dealer.id).order_by(Dealer.id)))
            many = ids[: args.many]

            def one() -> object:
                return dealer_figures.compute([dealer_id], day)

            def batch() -> object:
                return dealer_figures.compute(many, day)

            profile = cProfile.Profile() if args.profile else None
            print(f"as of {day}, dealer {dealer_id}, {args.runs} computes each")
            report("one dealer", measure(one, db, meter, args.runs, profile))
            report(f"{len(many)} dealers", measure(batch, db, meter, args.runs, None))
            if args.digest:
                print(f"digest of {len(ids)} dealers' figures: {digest(dealer_figures, ids, day)}")
            db.session.rollback()
            db.engine.dispose()
    if profile:
        profile.dump_stats(args.profile)


def measure(
    compute: Callable[[], object], db, meter: Meter, runs: int, profile: cProfile.Profile | None
) -> list[Row]:
    """Each compute in a transaction of its own, begun (outside the measure) as a request's
    flush would have begun it."""
    for _ in range(5):  # warm up: compiled statements, caches
        compute()
    rows: list[Row] = []
    for _ in range(runs):
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        meter.reset()
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        compute()
        if profile:
            profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rows.append((cpu, wall, meter.queries, meter.in_database))
    return rows


def report(label: str, rows: list[Row]) -> None:
    print(f"\n{label}: {len(rows)} computes")
    print(f"{'per compute':22} {'median':>8} {'mean':>8} {'min':>8} {'max':>8}")
    names = ("CPU ms", "wall ms", "queries", "in the database ms")
    for index, name in enumerate(names):
        values = [row[index] * (1 if name == "queries" else 1000) for row in rows]
        print(
            f"{name:22} {statistics.median(values):8.1f} {statistics.mean(values):8.1f} "
            f"{min(values):8.1f} {max(values):8.1f}"
        )


def digest(dealer_figures, ids: list[int], day) -> str:
    """A hash of every dealer's computed values and overdue notices, in chunks of 100."""
    found = {}
    for start in range(0, len(ids), 100):
        for dealer_id, computed in dealer_figures.compute(ids[start : start + 100], day).items():
            found[dealer_id] = [computed.values, sorted(computed.overdue.items())]
    text_ = json.dumps(found, sort_keys=True, default=str)
    return hashlib.sha256(text_.encode()).hexdigest()[:16]


if __name__ == "__main__":
    main()
