"""Issue 12 against gunicorn and `flask --app app worker` (SQLite with its embedded queue,
or PostgreSQL with Redis when PORTAL_TEST_DATABASE_URL is set): an audit with 360 photos
(180 on its answers, 180 as evidence of its corrective actions) gets its PDF.

Before the fix the web request rendered the PDF, photos and all, and gunicorn killed the
worker before it finished. Now the request queues a job and the page polls; the worker
renders within the background limits while other users are served.
"""

from __future__ import annotations

import hashlib
import io
import secrets

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from portal import clock, storage
from portal.access.audits import ACTION_EVIDENCE, ANSWER_PHOTO
from portal.audits import corrective, services
from portal.audits.pdf_jobs import KIND
from portal.extensions import db
from portal.models import Attachment, Job, JobState
from tests.audits.test_pdf_photos import distinct_images
from tests.support.audit_factories import all_pass, make_audit, make_world, photo_upload
from tests.support.live import gunicorn
from tests.support.live_clients import (
    TIMEOUT,
    Traffic,
    poll_until,
    sign_in,
    switching_language,
    viewing,
)
from tests.support.live_jobs import live_database, queue_env, seeding, worker, worker_log

pytestmark = pytest.mark.live

PER_KIND = 180  # answer photos, and evidence photos
FAILED = ("A-01", "B-01")


def small_photo(index: int, image_format: str) -> bytes:
    """A distinct little photo (its own colour), as the upload check would store it."""
    colour = (index * 37 % 256, index * 91 % 256, 255 - index % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (48, 36), colour).save(buffer, image_format)
    return buffer.getvalue()


def add_stored_photos(owner_type: str, owner_ids: list[int], count: int, dealer_id: int) -> None:
    """`count` photos spread over the owners, stored as save_upload() stores them (without
    running each through the upload check: these bytes are ours, the count is the point)."""
    image_format, content_type = (
        ("PNG", "image/png") if owner_type == ANSWER_PHOTO else ("JPEG", "image/jpeg")
    )
    for index in range(count):
        data = small_photo(index + (0 if owner_type == ANSWER_PHOTO else PER_KIND), image_format)
        key = f"{clock.now():%Y/%m}/{secrets.token_hex(16)}.{image_format.lower()}"
        storage.backend().save(key, data)
        db.session.add(
            Attachment(
                storage_key=key,
                owner_type=owner_type,
                owner_id=owner_ids[index % len(owner_ids)],
                dealer_id=dealer_id,
                filename=f"photo-{index}.{image_format.lower()}",
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                width=48,
                height=36,
            )
        )


def _photos(owner_type: str) -> int:
    query = select(func.count(Attachment.id)).where(Attachment.owner_type == owner_type)
    return db.session.scalar(query)


def _seed(url: str, instance) -> dict:
    with seeding(url, instance):
        world = make_world()
        audit = make_audit(
            world.store,
            world.standard,
            world.supervisor,
            answers=all_pass(world.version, **dict.fromkeys(FAILED, "fail")),
            photos=["B-01"],  # its item requires a photo
        )
        services.complete(audit, summary="Photos everywhere", actor=world.supervisor)
        steps = [
            corrective.respond(
                action,
                comment="Fixed, see photos",
                photos=[photo_upload("evidence.png", "blue")],
                actor=world.dealer_user,
            )
            for action in audit.actions
        ]
        answers = [answer.id for answer in audit.answers]
        add_stored_photos(ANSWER_PHOTO, answers, PER_KIND - _photos(ANSWER_PHOTO), audit.dealer_id)
        evidence = PER_KIND - _photos(ACTION_EVIDENCE)
        add_stored_photos(ACTION_EVIDENCE, [s.id for s in steps], evidence, audit.dealer_id)
        db.session.commit()
        assert (_photos(ANSWER_PHOTO), _photos(ACTION_EVIDENCE)) == (PER_KIND, PER_KIND)
        return {
            "audit_id": audit.id,
            "supervisor": world.supervisor.email,
            "others": [
                world.far_dealer_user.email,
                world.far_supervisor.email,
                world.other_dealer_user.email,
            ],
        }


def test_an_audit_with_360_photos_gets_its_pdf_from_the_queue(tmp_path):
    queue = queue_env()
    with live_database("live_audit_pdf", tmp_path) as url:
        seeded = _seed(url, tmp_path)
        audit_id = seeded["audit_id"]
        with (
            gunicorn(url, tmp_path, workers=3, extra_env=queue) as base,
            worker(url, tmp_path, env=queue) as consumer,
        ):
            supervisor = sign_in(base, seeded["supervisor"])
            far_dealer, far_supervisor, other_dealer = (
                sign_in(base, email) for email in seeded["others"]
            )
            pdf_url = f"{base}/audits/{audit_id}/report.pdf"
            status_url = f"{base}/audits/{audit_id}/report/status.json"
            others = {
                "a dealer's home page": (far_dealer, viewing(f"{base}/home")),
                "a supervisor's audit list": (far_supervisor, viewing(f"{base}/audits/")),
                "a dealer switching language": (other_dealer, switching_language(base)),
            }
            with Traffic(others) as traffic:
                queued = supervisor.get(pdf_url, allow_redirects=False, timeout=TIMEOUT)
                assert queued.status_code == 302, queued.status_code
                assert queued.headers["Location"].endswith(f"/audits/{audit_id}/report")

                def finished() -> bool:
                    if consumer.poll() is not None:
                        return True  # the worker died: the checks below say so
                    return supervisor.get(status_url, timeout=TIMEOUT).json()["finished"]

                poll_until(finished, "the PDF job", details=lambda: worker_log(tmp_path)[-3000:])
            status = supervisor.get(status_url, timeout=TIMEOUT).json()
            download = supervisor.get(pdf_url, allow_redirects=False, timeout=TIMEOUT)

        print(f"\nothers meanwhile: {traffic.summary()}")
        assert status["status"] == "done", worker_log(tmp_path)[-3000:]
        assert status["download"].endswith(f"/audits/{audit_id}/report.pdf")
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/pdf"
        document = PdfReader(io.BytesIO(download.content))
        assert "Photos everywhere" in "".join(page.extract_text() for page in document.pages)
        assert distinct_images(download.content) == 2 * PER_KIND
        traffic.assert_all_ok()
        with seeding(url, tmp_path):
            (job,) = db.session.scalars(select(Job).where(Job.kind == KIND)).all()
            assert (job.state, job.attempts) == (JobState.DONE, 1)  # rendered once, no retry
