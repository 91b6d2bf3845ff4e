"""Dealer files in the browser: issue and download; a region export with a reload mid-way;
a dealer user sees and downloads its own files and nobody else's."""

from __future__ import annotations

import hashlib
import io
import zipfile
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import DealerFile, ExportJob
from tests.dossiers.conftest import seed_figures
from tests.support.browser import sign_out
from tests.support.factories import PASSWORD
from tests.support.plans import make_world

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient_expectations():
    """Rendering PDFs on a loaded two-core machine takes a while."""
    expect.set_options(timeout=60_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def world(app) -> SimpleNamespace:
    """Plain values only: the test's own session must hold no SQLite lock while the live
    server (and the export thread) write."""
    world = make_world()
    seed_figures(world)
    values = SimpleNamespace(
        supervisor_a=world.supervisor_a.email,
        supervisor_b=world.supervisor_b.email,
        user_x=world.user_x.email,
        dealer_x=world.dealer_x.id,
        dealer_y=world.dealer_y.id,
        region_a=world.region_a.id,
    )
    db.session.commit()
    return values


def files(*conditions) -> list[DealerFile]:
    """Read, then end the transaction (it would otherwise hold SQLite's write lock)."""
    found = list(db.session.scalars(select(DealerFile).where(*conditions)))
    db.session.commit()
    return found


def issue_file(page, base: str, dealer_id: int) -> str:
    page.goto(f"{base}/dealers/{dealer_id}")
    page.get_by_test_id("issue-dealer-file").click()
    link = page.get_by_test_id("dealer-file-link").first
    expect(link).to_be_visible()
    return link.inner_text()


def download(page, locator) -> bytes:
    with page.expect_download() as info:
        locator.click()
    return open(info.value.path(), "rb").read()


def test_a_supervisor_issues_and_downloads_the_file(app, world, page, live_server, sign_in):
    sign_in(world.supervisor_a, PASSWORD)
    document_id = issue_file(page, live_server, world.dealer_x)
    expect(page.locator(".alert-success")).to_contain_text(document_id)
    data = download(page, page.get_by_test_id("dealer-file-link").first)
    (stored,) = files()
    assert stored.document_id == document_id
    assert hashlib.sha256(data).hexdigest() == stored.sha256


def test_a_region_export_survives_a_reload(app, world, page, live_server, sign_in):
    sign_in(world.supervisor_a, PASSWORD)
    page.goto(f"{live_server}/dealer-files/exports")
    page.select_option("#export-region", str(world.region_a))
    page.get_by_test_id("start-export").click()
    page.wait_for_url("**/dealer-files/exports/*")
    expect(page.get_by_test_id("export-progress")).to_be_visible()
    page.reload()
    button = page.get_by_test_id("export-download")
    expect(button).to_be_visible()
    expect(page.locator("[data-export-status]")).to_have_text("Done")
    bundle = zipfile.ZipFile(io.BytesIO(download(page, button)))
    (stored,) = files()
    assert bundle.namelist() == [stored.filename]
    assert db.session.scalars(select(ExportJob)).one().done == 1
    db.session.commit()


def test_a_dealer_sees_and_downloads_only_its_own_files(app, world, page, live_server, sign_in):
    sign_in(world.supervisor_a, PASSWORD)
    own = issue_file(page, live_server, world.dealer_x)
    sign_out(page)
    sign_in(world.supervisor_b, PASSWORD)
    other = issue_file(page, live_server, world.dealer_y)
    sign_out(page)

    sign_in(world.user_x, PASSWORD)
    page.goto(f"{live_server}/dealers/{world.dealer_x}")
    table = page.get_by_test_id("dealer-files-table")
    expect(table).to_contain_text(own)
    expect(table).not_to_contain_text(other)
    expect(page.get_by_test_id("issue-dealer-file")).to_have_count(0)
    data = download(page, page.get_by_test_id("dealer-file-link").first)
    (mine,) = files(DealerFile.document_id == own)
    assert hashlib.sha256(data).hexdigest() == mine.sha256

    (theirs,) = files(DealerFile.document_id == other)
    response = page.request.get(f"{live_server}/dealer-files/{theirs.id}/download")
    assert response.status == 404
    assert page.request.get(f"{live_server}/dealers/{world.dealer_y}").status == 404
