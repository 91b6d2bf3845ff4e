"""Dealer file benchmark: render time, peak memory and pages of one rich dealer's file,
and a 50-dealer region export (two renders at a time) against 50 serial renders.

    python bench/dossier.py [--renders 7] [--dealers 50]

Seeds a fresh SQLite database in a temporary folder: a dealer with 10 stores, 24 months of
approved plans and submitted reports over 3 product lines, and 12 completed audits; the
region's other dealers get the same shape. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import update  # noqa: E402

from portal import create_app, jobs, pdf, periods  # noqa: E402
from portal.dossiers import archive, export  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Audit,
    Dealer,
    ExportJob,
    PlanStatus,
    ReportStatus,
    Role,
    SalesPlan,
    SalesPlanLine,
    StoreReport,
    StoreReportLine,
)
from portal.models.base import utcnow  # noqa: E402
from tests.support.audit_factories import all_pass, make_audit, make_standard  # noqa: E402
from tests.support.factories import (  # noqa: E402
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)


def seed_dealer(region, lines, version, auditor, index: int) -> Dealer:
    dealer = make_dealer(
        region,
        code=f"B{index:03d}",
        name=f"北京恒泰商贸有限公司 {index}",
        contact_person="王伟",
        address="朝阳区建国路88号",
        city="北京",
        contract_start=date(2021, 3, 1),
        contract_end=date(2027, 3, 1),
    )
    stores = [make_store(dealer, name=f"国贸旗舰店 {n}", address=f"建国路{n}号") for n in range(10)]
    current = periods.of(date.today())
    now = utcnow()
    for offset in range(-23, 1):
        period = periods.shift(current, offset)
        plan = SalesPlan(
            dealer=dealer,
            period=period,
            status=PlanStatus.APPROVED,
            first_submitted_at=now,
            submitted_at=now,
        )
        plan.lines = [
            SalesPlanLine(
                store=store, product_line=line, revenue_minor=1_000_000 + 1000 * n, units=50
            )
            for n, store in enumerate(stores)
            for line in lines
        ]
        db.session.add(plan)
        if offset < 0:
            for n, store in enumerate(stores):
                report = StoreReport(
                    store=store,
                    dealer=dealer,
                    period=period,
                    status=ReportStatus.SUBMITTED,
                    first_submitted_at=now,
                    submitted_at=now,
                )
                report.lines = [
                    StoreReportLine(product_line=line, revenue_minor=950_000 + 700 * n, units=48)
                    for line in lines
                ]
                db.session.add(report)
    db.session.flush()
    for n in range(12):
        fails = {"A-01": "fail"} if n % 3 == 0 else {}
        audit = make_audit(
            stores[n % len(stores)],
            version.standard,
            auditor,
            answers=all_pass(version, **fails),
            complete=True,
        )
        # Audits are scheduled from today on and frozen once completed: move the finished
        # ones back in time underneath the ORM.
        db.session.execute(
            update(Audit.__table__)
            .where(Audit.__table__.c.id == audit.id)
            .values(
                scheduled_for=date.today() - timedelta(days=30 * (12 - n)),
                completed_at=now - timedelta(days=30 * (12 - n)),
            )
        )
    db.session.commit()
    return dealer


def timed_issue(dealer: Dealer, issuer) -> tuple[float, pdf.Rendered]:
    """Prepare and render one file (not stored, so nothing is reused)."""
    started = time.perf_counter()
    pending = archive.prepare(dealer, issuer=issuer)
    rendered = archive.render(pending, pdf.Limits.from_config())
    db.session.rollback()
    return time.perf_counter() - started, rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=7)
    parser.add_argument("--dealers", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-dossier-"))
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": "bench",
        "TESTING": True,
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    with app.test_request_context():
        started = time.perf_counter()
        region = make_region(name="Bench region")
        lines = [make_product_line(code=code) for code in ("FTW", "APP", "ACC")]
        admin = make_user(Role.ADMIN)
        supervisor = make_user(Role.SUPERVISOR, regions=[region])
        version = make_standard(actor=admin)
        dealers = [
            seed_dealer(region, lines, version, supervisor, index) for index in range(args.dealers)
        ]
        dealer = dealers[0]
        print(f"seeded {len(dealers)} dealers in {time.perf_counter() - started:.1f} s")

        timed_issue(dealer, supervisor)  # starts the renderer
        runs = [timed_issue(dealer, supervisor) for _ in range(args.renders)]
        times = [seconds for seconds, _rendered in runs]
        peak = max(rendered.peak_kb for _seconds, rendered in runs) / 1024
        pages = runs[0][1].pages
        print(
            f"one dealer file: median {statistics.median(times):.2f} s over {len(times)}"
            f" renders (min {min(times):.2f}, max {max(times):.2f}); peak memory"
            f" {peak:.0f} MB; {pages} pages; {len(runs[0][1].data) / 1024:.0f} KiB"
        )

        started = time.perf_counter()
        for each in dealers:
            timed_issue(each, supervisor)
        serial = time.perf_counter() - started
        print(f"{len(dealers)} serial renders: {serial:.1f} s")

        job = export.create_job(region=region, requested_by=supervisor, locale="en")
        job_id, queued_id = job.id, job.job_id
        db.session.commit()
        started = time.perf_counter()
        with jobs.embedded_consumer(app, workers=2):  # two workers, as on two cores
            export.start(queued_id)
            while not db.session.get(ExportJob, job_id).finished:
                db.session.commit()
                time.sleep(0.2)
        parallel = time.perf_counter() - started
        job = db.session.get(ExportJob, job_id)
        print(
            f"region export of {job.done} dealers ({job.status.value}, ZIP"
            f" {(job.size or 0) / 1024:.0f} KiB): {parallel:.1f} s;"
            f" {serial / parallel:.2f}x faster than serial"
        )


if __name__ == "__main__":
    main()
