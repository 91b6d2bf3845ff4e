"""Issue 12 against gunicorn (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set):
audit PDFs and dealer files are downloaded while another client writes every 50 ms.

Before the fix a download read the file, then wrote its activity entry in the same
transaction; on SQLite, when another writer committed in between, the write failed at
once with "database is locked" and the download answered 500. Now the entry is written in
a short transaction of its own that waits for the lock (portal/downloads.py).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from portal import jobs
from portal.audits import pdf_jobs
from portal.dossiers import renders
from portal.extensions import db
from portal.models import ActivityEntry, DealerFile, JobState
from tests.support.audit_factories import all_pass, make_audit, make_world
from tests.support.factories import make_product_line, make_store
from tests.support.live import gunicorn
from tests.support.live_clients import TIMEOUT, csrf_token, sign_in
from tests.support.live_jobs import live_database, seeding
from tests.support.plans import this_month

pytestmark = pytest.mark.live

DOWNLOADS = 16  # per reader at least, half audit PDFs and half dealer files, and more
MAX_DOWNLOADS = 200  # ... until the writer has written MIN_WRITES times meanwhile
MIN_WRITES = 10
WRITER_STORES = 6  # x 36 months back: more reports than the writer sends meanwhile
PAUSE_SECONDS = 0.05
LOGGED = ("audit.report_pdf", "dealer_file.download")


def _seed(url: str, instance) -> dict:
    with seeding(url, instance, QUEUE_IMMEDIATE=True):
        world = make_world()
        line = make_product_line()
        stores = [world.other_store]
        stores += [make_store(world.other_dealer) for _ in range(WRITER_STORES - 1)]
        audit = make_audit(
            world.store,
            world.standard,
            world.supervisor,
            answers=all_pass(world.version, **{"A-01": "fail"}),
            photos=["B-01"],
            complete=True,
        )
        # Rendered beforehand, as the queue would have: the test is about the downloads.
        report = pdf_jobs.request(audit, user=world.supervisor, locale="en")
        dealer_file = renders.request(world.dealer, issuer=world.supervisor, locale="en")
        queued = [(pdf_jobs.KIND, report.job.id), (renders.KIND, dealer_file.job.id)]
        seeded = {
            "audit_id": audit.id,
            "readers": [world.supervisor.email, world.dealer_user.email, world.admin.email],
            "writer": world.other_dealer_user.email,
            "store_ids": [store.id for store in stores],
            "line_id": line.id,
        }
        db.session.commit()  # the queue runs each job at once, in a session of its own
        for kind, job_id in queued:
            jobs.enqueue(kind, job_id)
        assert pdf_jobs.latest(audit.id).state == JobState.DONE
        seeded["file_id"] = db.session.scalars(select(DealerFile.id)).one()
        return seeded


def test_downloads_answer_while_another_client_writes_every_50_ms(tmp_path):
    with live_database("live_downloads", tmp_path) as url:
        seeded = _seed(url, tmp_path)
        with gunicorn(url, tmp_path, workers=3) as base:
            readers = [sign_in(base, email) for email in seeded["readers"]]
            writer = sign_in(base, seeded["writer"])
            urls = [
                f"{base}/audits/{seeded['audit_id']}/report.pdf",
                f"{base}/dealer-files/{seeded['file_id']}/download",
            ]
            downloaded, written = _download_while_writing(base, readers, writer, urls, seeded)

        print(f"\ndownloads: {dict(downloaded)}; writes meanwhile: {dict(written)}")
        assert set(downloaded) == {"200 pdf"}
        assert set(written) == {"acknowledged"}
        assert written["acknowledged"] >= MIN_WRITES  # while the downloads went on
        with seeding(url, tmp_path):
            logged = db.session.scalar(
                select(func.count(ActivityEntry.id)).where(ActivityEntry.action.in_(LOGGED))
            )
        assert logged == downloaded["200 pdf"]  # each download has its entry


def _download_while_writing(base, readers, writer, urls, seeded) -> tuple[Counter, Counter]:
    downloads_done, writes_enough = threading.Event(), threading.Event()
    written: Counter = Counter()

    def write() -> None:
        """Submit a report for the next (store, month) every 50 ms while downloads run."""
        try:
            token = csrf_token(writer, f"{base}/reports/new")
            months = [this_month(-n) for n in range(1, 37)]
            for store_id, period in itertools.product(seeded["store_ids"], months):
                if downloads_done.is_set():
                    return
                written[submit(token, store_id, period)] += 1
                if written["acknowledged"] >= MIN_WRITES:
                    writes_enough.set()
                downloads_done.wait(PAUSE_SECONDS)
            written["ran_out_of_reports"] += 1
        finally:
            writes_enough.set()  # whatever happened, the readers stop in time

    def submit(token: str, store_id: int, period: str) -> str:
        line = seeded["line_id"]
        data = {
            "csrf_token": token,
            "store_id": store_id,
            "period": period,
            f"revenue_{line}": "1234.50",
            f"units_{line}": "3",
            "action": "submit",
        }
        try:
            response = writer.post(
                f"{base}/reports/new", data=data, allow_redirects=False, timeout=TIMEOUT
            )
        except requests.RequestException:
            return "network_error"
        if response.status_code == 302 and "/reports/" in response.headers["Location"]:
            return "acknowledged"
        return f"status_{response.status_code}"

    def read(session: requests.Session) -> Counter:
        outcome: Counter = Counter()
        for count, url in enumerate(itertools.cycle(urls)):
            if count >= MAX_DOWNLOADS or (count >= DOWNLOADS and writes_enough.is_set()):
                break
            try:
                response = session.get(url, allow_redirects=False, timeout=TIMEOUT)
            except requests.RequestException:
                outcome["network_error"] += 1
                continue
            pdf = response.content.startswith(b"%PDF")
            outcome[f"{response.status_code}{' pdf' if pdf else ''}"] += 1
        return outcome

    with ThreadPoolExecutor(max_workers=len(readers) + 1) as pool:
        writing = pool.submit(write)
        downloads = list(pool.map(read, readers))
        downloads_done.set()
        writing.result()
    return sum(downloads, Counter()), written
