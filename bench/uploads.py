"""Bounded upload and PDF work (issue 12, S20): what the web process itself spends.

    python bench/uploads.py [--pngs 20] [--edge 6300] [--photos 60]

1. A dealer posts a report with `--pngs` PNGs of a few hundred KB that decode to
   edge x edge pixels (the issue's 20 x 6300x6300). Prints the answer, wall time, and the
   CPU time and peak memory of the web process (decoding happens in limited children).
2. An audit with `--photos` 1600x1200 JPEG photos (answer photos and evidence): the PDF as
   a user gets it (report.pdf queues the render, the progress page polls, then the
   download), run by a queue consumer thread in this process: wall time and this process's
   CPU time (photo preparation runs in the renderer's limited child, not here).
Seeds a fresh SQLite database in a temporary folder. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from bench.images import flat_png, photo_upload  # noqa: E402
from portal import create_app, jobs  # noqa: E402
from portal.audits import corrective, services  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.support.audit_factories import all_pass, make_audit, make_standard  # noqa: E402
from tests.support.factories import PASSWORD, make_store  # noqa: E402
from tests.support.plans import make_world, this_month  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, call) -> None:
    cpu, peak, started = cpu_seconds(), peak_mb(), time.perf_counter()
    status = call()
    print(
        f"{label}: answered {status} in {time.perf_counter() - started:.1f} s; web process "
        f"CPU {cpu_seconds() - cpu:.2f} s, peak memory +{max(peak_mb() - peak, 0):.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pngs", type=int, default=20)
    parser.add_argument("--edge", type=int, default=6300)
    parser.add_argument("--photos", type=int, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "AUDIT_MAX_PHOTOS_PER_ANSWER": 1000,
        }
    )
    with app.app_context():
        upgrade()
    with app.test_request_context():
        world = make_world()
        version = make_standard(actor=world.admin)
        codes = sorted(all_pass(version))
        audit = make_audit(
            make_store(world.dealer_x),
            version.standard,
            world.supervisor_a,
            answers=all_pass(version, **{codes[0]: "fail"}),
        )
        answers = list(audit.answers)
        half = args.photos // 2
        for index in range(half):
            answer = answers[index % len(answers)]
            services.add_photo(audit, answer, photo_upload(index), actor=world.supervisor_a)
        services.complete(audit, summary="bench", actor=world.supervisor_a)
        corrective.respond(
            audit.actions[0],
            comment="fixed",
            photos=[photo_upload(half + n) for n in range(args.photos - half)],
            actor=world.user_x,
        )
        db.session.commit()
        ids = {"store": world.stores_x[0].id, "line": world.lines[0].id, "audit": audit.id}
        emails = (world.user_x.email, world.supervisor_a.email)
    png = flat_png(args.edge)
    print(f"{args.pngs} PNGs of {len(png) // 1024} KB, each {args.edge}x{args.edge} pixels")
    dealer = app.test_client()
    dealer.post("/sign-in", data={"email": emails[0], "password": PASSWORD})
    data = {
        "store_id": ids["store"],
        "period": this_month(-1),
        f"revenue_{ids['line']}": "100",
        f"units_{ids['line']}": "1",
        "files": [(io.BytesIO(png), f"p{n}.png") for n in range(args.pngs)],
    }
    measure(
        "report with the PNGs",
        lambda: dealer.post("/reports/new", data=data, content_type="multipart/form-data").status,
    )
    staff = app.test_client()
    staff.post("/sign-in", data={"email": emails[1], "password": PASSWORD})
    with jobs.embedded_consumer(app, workers=1):
        measure(f"audit PDF, {args.photos} photos", lambda: audit_pdf(staff, ids["audit"]))
    measure("audit PDF again (rendered already)", lambda: audit_pdf(staff, ids["audit"]))


def audit_pdf(staff, audit_id: int) -> str:
    """The path a user takes: report.pdf queues the render and sends them to the progress
    page, which polls status.json until the file is ready, then downloads it. The render
    runs in a queue consumer thread of this process, the renderer in its limited child."""
    first = staff.get(f"/audits/{audit_id}/report.pdf")
    if first.status_code == 200:
        return f"{first.status} at once"
    assert first.status_code == 302, first.status
    polls = 0
    while True:
        status = staff.get(f"/audits/{audit_id}/report/status.json").get_json()
        if status["download"] or status["finished"]:
            break
        polls += 1
        time.sleep(0.25)
    download = staff.get(f"/audits/{audit_id}/report.pdf")
    return f"{download.status} ({len(download.data) // 1024} KB) after {polls} polls"


if __name__ == "__main__":
    main()
