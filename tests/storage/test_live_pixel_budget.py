"""Issue 12 against gunicorn (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set):
a report with 20 small PNGs that each decode to 6300x6300 pixels is bounded work.

Before the fix the web worker decoded all 20 (800 million pixels, minutes of CPU, GBs of
memory) and was killed. Now each photo is decoded in a limited child process and one
request decodes at most UPLOAD_MAX_PIXELS_PER_REQUEST pixels: the report is refused with
a message naming the first photo over the budget, nothing is kept, other users are
served meanwhile, and no gunicorn worker dies.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.config import Defaults
from portal.extensions import db
from portal.models import Attachment, StoreReport
from tests.support.live import gunicorn
from tests.support.live_clients import (
    TIMEOUT,
    Traffic,
    csrf_token,
    sign_in,
    switching_language,
    viewing,
    worker_troubles,
)
from tests.support.live_jobs import live_database, seeding
from tests.support.plans import make_world, this_month

pytestmark = pytest.mark.live

PNGS = 20
EDGE = 6300
WORKERS = 3
BUDGET_MESSAGE = "The photos sent together have too many pixels in total."


def flat_png(edge: int) -> bytes:
    """Some 50 KB that decode to edge x edge pixels (grey: the budget counts pixels, and
    one channel keeps the three photos the budget admits quick to decode)."""
    buffer = io.BytesIO()
    Image.new("L", (edge, edge), 128).save(buffer, "PNG")
    return buffer.getvalue()


def _seed(url: str, instance) -> dict:
    with seeding(url, instance):
        world = make_world()
        return {
            "dealer": world.user_x.email,
            "store_id": world.stores_x[0].id,
            "line_id": world.lines[0].id,
            "others": [world.user_y.email, world.supervisor_a.email, world.admin.email],
        }


def _count(url: str, instance, model) -> int:
    with seeding(url, instance):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_report_with_twenty_huge_pngs_is_refused_by_the_pixel_budget(tmp_path):
    png = flat_png(EDGE)
    # The first photo the budget cannot take: the ones before it were decoded, none after.
    first_refused = Defaults.UPLOAD_MAX_PIXELS_PER_REQUEST // (EDGE * EDGE)
    assert 0 < first_refused < PNGS
    # Patience for each photo's child on a loaded machine (3 x 15 s stay below gunicorn's
    # --timeout of 60 s); the limits that bound the work are the defaults.
    patience = {"PORTAL_UPLOAD_CHECK_TIMEOUT_SECONDS": "15"}
    with live_database("live_pixels", tmp_path) as url:
        seeded = _seed(url, tmp_path)
        with gunicorn(url, tmp_path, workers=WORKERS, extra_env=patience) as base:
            dealer = sign_in(base, seeded["dealer"])
            dealer_y, supervisor, admin = (sign_in(base, email) for email in seeded["others"])
            data = {
                "csrf_token": csrf_token(dealer, f"{base}/reports/new"),
                "store_id": seeded["store_id"],
                "period": this_month(-1),
                f"revenue_{seeded['line_id']}": "100",
                f"units_{seeded['line_id']}": "1",
                "action": "submit",
            }
            files = [("files", (f"p{n}.png", png, "image/png")) for n in range(PNGS)]
            others = {
                "another dealer's home page": (dealer_y, viewing(f"{base}/home")),
                "a supervisor's dealer list": (supervisor, viewing(f"{base}/dealers/")),
                "an administrator switching language": (admin, switching_language(base)),
            }
            with Traffic(others) as traffic:
                response = dealer.post(
                    f"{base}/reports/new", data=data, files=files, timeout=TIMEOUT
                )
            still_serving = dealer.get(f"{base}/home", timeout=TIMEOUT)
        troubles = worker_troubles(tmp_path, WORKERS)
        print(f"\nreport answered in {response.elapsed.total_seconds():.1f} s; {traffic.summary()}")

        assert response.status_code == 422
        assert f"p{first_refused}: {BUDGET_MESSAGE}" in response.text
        traffic.assert_all_ok()
        assert still_serving.status_code == 200
        assert troubles == []  # the same gunicorn workers throughout: none died or hung
        assert _count(url, tmp_path, StoreReport) == 0
        assert _count(url, tmp_path, Attachment) == 0
        assert not any(path.is_file() for path in (tmp_path / "uploads").rglob("*"))
