"""Issue 12 against gunicorn and `flask --app app worker` (SQLite with its embedded queue,
or PostgreSQL with Redis when PORTAL_TEST_DATABASE_URL is set): eight people export the
same region at the same moment.

Before the fix each export rendered every dealer's file in its request: eight exports
rendered each dealer eight times, and the requests ran into gunicorn's timeout. Now an
export is a job, and the renders of unchanged dealers are shared: each dealer is rendered
once, and all eight get the same files.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.dossiers import renders
from portal.extensions import db
from portal.models import ActivityEntry, DealerFile, ExportJob, Job, JobState, Role
from tests.support.factories import make_dealer, make_region, make_store, make_user
from tests.support.live import gunicorn
from tests.support.live_clients import TIMEOUT, csrf_token, poll_until, sign_in
from tests.support.live_jobs import live_database, queue_env, seeding, worker, worker_log

pytestmark = pytest.mark.live

REQUESTERS = 8
DEALERS = 3


def _seed(url: str, instance) -> dict:
    with seeding(url, instance):
        region, elsewhere = make_region(name="East"), make_region(name="West")
        dealers = [make_dealer(region, name=f"East dealer {n}") for n in range(DEALERS)]
        for dealer in dealers:
            make_store(dealer)
        make_dealer(elsewhere)  # not in the export
        people = [make_user(Role.SUPERVISOR, regions=[region]) for _ in range(REQUESTERS - 1)]
        people.append(make_user(Role.ADMIN))
        db.session.commit()
        return {
            "region_id": region.id,
            "dealer_ids": sorted(dealer.id for dealer in dealers),
            "people": [person.email for person in people],
        }


def test_eight_simultaneous_exports_render_each_dealer_once(tmp_path):
    queue = queue_env()
    with live_database("live_exports", tmp_path) as url:
        seeded = _seed(url, tmp_path)
        with (
            gunicorn(url, tmp_path, workers=3, extra_env=queue) as base,
            worker(url, tmp_path, env=queue) as consumer,
        ):
            sessions = [sign_in(base, email) for email in seeded["people"]]
            export_ids = _export_at_once(base, sessions, seeded["region_id"])

            requesters = list(zip(sessions, export_ids, strict=True))
            exports = f"{base}/dealer-files/exports"

            def finished(session, export_id: int) -> bool:
                status = session.get(f"{exports}/{export_id}/status.json", timeout=TIMEOUT)
                return status.json()["finished"]

            def all_finished() -> bool:  # or the worker died: the checks below say so
                return consumer.poll() is not None or all(finished(*r) for r in requesters)

            poll_until(all_finished, "the exports", details=lambda: worker_log(tmp_path)[-3000:])
            bundles = [
                session.get(f"{exports}/{export_id}/download", timeout=TIMEOUT)
                for session, export_id in requesters
            ]

        statuses = [bundle.status_code for bundle in bundles]
        assert statuses == [200] * REQUESTERS, worker_log(tmp_path)[-3000:]
        contents = [_members(bundle.content) for bundle in bundles]
        assert all(content == contents[0] for content in contents)  # the same files for all
        assert len(contents[0]) == DEALERS
        _check_each_dealer_rendered_once(url, tmp_path, seeded, export_ids, contents[0])


def _export_at_once(base: str, sessions: list, region_id: int) -> list[int]:
    """Every requester posts the export form at the same moment: the export ids."""
    tokens = [csrf_token(session, f"{base}/dealer-files/exports") for session in sessions]
    start = threading.Barrier(len(sessions))

    def export(index: int):
        start.wait(timeout=TIMEOUT)
        return sessions[index].post(
            f"{base}/dealer-files/exports",
            data={"csrf_token": tokens[index], "region": region_id},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        answers = list(pool.map(export, range(len(sessions))))
    assert [answer.status_code for answer in answers] == [302] * len(sessions)
    return [int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1]) for answer in answers]


def _members(bundle: bytes) -> dict[str, str]:
    """A ZIP's files: name -> SHA-256 of the bytes."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}


def _check_each_dealer_rendered_once(url, instance, seeded, export_ids, members) -> None:
    with seeding(url, instance):
        exports = db.session.scalars(select(ExportJob).where(ExportJob.id.in_(export_ids))).all()
        assert len(exports) == REQUESTERS
        assert {export.status for export in exports} == {JobState.DONE}
        files = db.session.scalars(select(DealerFile).order_by(DealerFile.dealer_id)).all()
        assert [f.dealer_id for f in files] == seeded["dealer_ids"]  # one archived file each
        assert sorted(f.sha256 for f in files) == sorted(members.values())  # the ones exported
        render_jobs = db.session.scalars(select(Job).where(Job.kind == renders.KIND)).all()
        rendered = sorted(job.payload["dealer_id"] for job in render_jobs)
        assert rendered == seeded["dealer_ids"]  # one render job each
        issued = db.session.scalar(
            select(func.count(ActivityEntry.id)).where(ActivityEntry.action == "dealer_file.issue")
        )
        assert issued == DEALERS
