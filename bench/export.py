"""A region export through the real job path, beside the same dealer files rendered one after
another in this process (issue 12).

    python bench/export.py [--dealers 1000] [--workers 2] [--threads 2] [--pin]

Seeds a scratch PostgreSQL database with `flask seed-large --dealers N` (20 regions: at
1,000 dealers a region files about 48 of them) and takes its first region:

1. serial: each exported dealer's file prepared and rendered here, one after another, with
   the limits a job uses (nothing is stored, so the export renders every file again);
2. ceiling: the first `--calibrate` of those renders again, one after another and then two
   at a time (HTML already built; no database, no queue): what two renders at once gain on
   this machine right now, the most the export can gain;
3. export: the region's export queued on Redis as the export page queues it, run by
   `--workers` processes of `flask --app app worker --workers THREADS` (`--pin` keeps
   worker i on core i; `--worker-nice` is 0 so that both sides run at the same priority),
   timed until its ZIP is stored. Both sides' renderers are warmed first.

Prints both wall times and the speed-up (target: at least 1.8x with 2 worker processes on 2
cores), then where the export's time went, from its rows: planning, the renders (how long
each file took from prepared to stored beside a serial one), render jobs that had to step
back for a render slot, how many cores were busy on average (all processes), and the wait
from the last file to the stored ZIP.
Asserts nothing; other work on the machine slows both sides, hence the ceiling and the
machine's load, printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import machine, stack  # noqa: E402
from bench.traffic import table, wait_until  # noqa: E402
from portal import jobs, pdf  # noqa: E402
from portal.dossiers import archive, export, renders  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Dealer, DealerFile, ExportJob, Job, Region, Role, User  # noqa: E402
from portal.models.base import utcnow  # noqa: E402

TARGET = 1.8


def serial_renders(dealers: list[Dealer], issuer: User) -> tuple[list[float], list]:
    """Prepare and render each dealer's file in turn, as a job would: seconds per dealer,
    and the prepared files."""
    times, prepared = [], []
    for dealer in dealers:
        started = time.perf_counter()
        pending = archive.prepare(dealer, issuer=issuer)
        archive.render(pending, pdf.Limits.from_config(background=True))
        db.session.rollback()
        times.append(time.perf_counter() - started)
        prepared.append(pending)
    return times, prepared


def renders_two_at_a_time(prepared: list) -> tuple[float, float]:
    """The machine's ceiling for the export: the same renders (HTML already built, no
    database, no queue) one after another, then two at a time. Returns both wall times."""
    limits = pdf.Limits.from_config(background=True)
    started = time.perf_counter()
    for pending in prepared:
        archive.render(pending, limits)
    serial = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda pending: archive.render(pending, limits), prepared))
    return serial, time.perf_counter() - started


def warm_workers(dealers: list[Dealer], issuer: User) -> None:
    """Issue a few files of another region through the queue: each worker starts its
    renderer (WeasyPrint's import) before the timed export."""
    ids = []
    for dealer in dealers:
        wanted = renders.request(dealer, issuer=issuer, locale="en")
        if wanted.job is not None:
            ids.append(wanted.job.id)
    db.session.commit()
    for job_id in ids:
        jobs.enqueue(renders.KIND, job_id)

    def done() -> bool:
        db.session.rollback()
        return all(db.session.get(Job, job_id).finished for job_id in ids)

    wait_until(done, timeout=300, interval=0.2, what="the warm-up renders")


def queued_export(region: Region, issuer: User) -> tuple[datetime, float, int, float]:
    """Queue the region's export and wait for its ZIP: (queued at, wall seconds, export id,
    cores busy on average meanwhile)."""
    job = export.create_job(region=region, requested_by=issuer, locale="en")
    export_id, queued_id = job.id, job.job_id
    db.session.commit()
    queued_at = utcnow()
    cpu = machine.cpu_times()
    started = time.perf_counter()
    export.start(queued_id)

    def finished() -> bool:
        db.session.rollback()
        return db.session.get(ExportJob, export_id).finished

    wait_until(finished, timeout=3600, interval=0.1, what="the export")
    wall = time.perf_counter() - started
    return queued_at, wall, export_id, machine.cores_busy(cpu, machine.cpu_times())


def breakdown(
    export_id: int, queued_at: datetime, wall: float, serial: list[float], busy_cores: float
) -> None:
    """Where the export's time went, from its job rows and the files it stored."""
    db.session.rollback()
    record = db.session.get(ExportJob, export_id)
    job = record.job
    render_ids = [item["job_id"] for item in job.payload["items"] if "job_id" in item]
    rows = db.session.execute(
        select(Job, DealerFile)
        .join(DealerFile, DealerFile.id == Job.result["dealer_file_id"].as_integer())
        .where(Job.id.in_(render_ids))
    ).all()
    # A file's issue time is taken when its HTML is built, before its render waits for a
    # slot; the job finishes once the file is stored.
    spans = [(file.issued_at, render.finished_at) for render, file in rows]
    first = min(begin for begin, _ in spans)
    last = max(end for _, end in spans)
    stepped_back = sum(1 for render, _ in rows if render.attempts > 1)
    print(f"\nWhere the export's {wall:.1f} s went ({len(rows)} renders, {job.state.value}):")
    table(
        ["phase", "seconds"],
        [
            ["queued -> export planned, first file prepared", (first - queued_at).total_seconds()],
            ["first file prepared -> last file stored", (last - first).total_seconds()],
            ["last file stored -> ZIP stored", (job.finished_at - last).total_seconds()],
        ],
    )
    each = statistics.median((end - begin).total_seconds() for begin, end in spans)
    print(
        f"cores busy on average during the export: {busy_cores:.2f} of {os.cpu_count()}"
        f" (render slots: {current_app.config['RENDER_SLOTS']}); one file prepared, rendered"
        f" and stored in {each:.2f} s"
        f" (median, slot wait included) vs {statistics.median(serial):.2f} s serial;"
        f" {stepped_back} render jobs stepped back for a slot"
    )
    print(f"ZIP: {(record.size or 0) / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=1000, help="seed-large network size")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    parser.add_argument("--pin", action="store_true", help="pin worker i to core i")
    parser.add_argument("--worker-nice", type=int, default=0, help="the workers' --nice")
    parser.add_argument("--region-dealers", type=int, default=0, help="file only the first N")
    parser.add_argument("--calibrate", type=int, default=12, help="renders timed two at a time")
    args = parser.parse_args()
    with stack.scratch("export") as portal:
        portal.migrate()
        seeded = portal.seed_large(args.dealers)
        with portal.app().test_request_context():
            first, second = db.session.scalars(select(Region).order_by(Region.id).limit(2))
            issuer = db.session.scalars(
                select(User).where(User.role == Role.SUPERVISOR).order_by(User.id)
            ).first()
            dealers = export.exported_dealers(first.id)
            if args.region_dealers:
                trim_region(dealers[args.region_dealers :], second)
                dealers = dealers[: args.region_dealers]
            print(
                f"seed-large --dealers {args.dealers} in {seeded:.0f} s; region {first.code}"
                f" files {len(dealers)} dealers; {machine.describe()}"
            )
            serial_renders(export.exported_dealers(second.id)[:1], issuer)  # the renderer
            started = time.perf_counter()
            serial, prepared = serial_renders(dealers, issuer)
            serial_wall = time.perf_counter() - started
            print(f"serial: {len(dealers)} files in {serial_wall:.1f} s", flush=True)
            ceiling(prepared[: args.calibrate])

            start_workers(portal, args)
            warm_workers(export.exported_dealers(second.id)[: 2 * args.workers], issuer)
            queued_at, wall, export_id, busy_cores = queued_export(first, issuer)
            ratio = serial_wall / wall
            print(
                f"export: {len(dealers)} files in {wall:.1f} s through the queue;"
                f" speed-up {ratio:.2f}x (target >= {TARGET}x:"
                f" {'met' if ratio >= TARGET else 'MISSED'})"
            )
            breakdown(export_id, queued_at, wall, serial, busy_cores)
            print(f"at the end: {machine.describe()}")


def ceiling(prepared: list) -> None:
    one, two = renders_two_at_a_time(prepared)
    print(
        f"ceiling: {len(prepared)} of these renders alone, in this process: {one:.1f} s one"
        f" after another, {two:.1f} s two at a time ({one / two:.2f}x); {machine.describe()}",
        flush=True,
    )


def start_workers(portal: stack.Portal, args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    for index in range(args.workers):
        cpu = index % cores if args.pin else None
        portal.start_worker(
            cpu=cpu, threads=args.threads, nice=args.worker_nice, label=f"worker{index}"
        )
    pinned = ", pinned one per core" if args.pin else ""
    print(
        f"workers: {args.workers} processes x {args.threads} threads{pinned},"
        f" --nice {args.worker_nice}"
    )


def trim_region(dealers: list[Dealer], elsewhere: Region) -> None:
    """Move dealers to another region so that the export files fewer (quick runs)."""
    for dealer in dealers:
        dealer.region_id = elsewhere.id
    db.session.commit()


if __name__ == "__main__":
    main()
