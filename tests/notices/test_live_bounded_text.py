"""Issue 12 against gunicorn (SQLite, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set):
a published notice whose body is `'[' * 20000` costs no Markdown rendering to view.

Before the fix each view rendered the body, and python-markdown takes minutes on it: four
dealers opening it held every worker. Now Markdown runs once, when a notice is saved (a
bracket body is refused there by its shape), and views only show the stored HTML. The
server runs with tests/support/render_watch.py, which records every rendering it attempts.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal import clock, richtext
from portal.extensions import db
from portal.models import Role
from portal.notices import services
from tests.support import render_watch
from tests.support.factories import make_dealer, make_region, make_user
from tests.support.live import gunicorn
from tests.support.live_clients import TIMEOUT, Traffic, csrf_token, sign_in
from tests.support.live_jobs import live_database, seeding

pytestmark = pytest.mark.live

BRACKETS = "[" * 20000
DEALERS = 4
VIEWS = 5  # per dealer
MARKER = "Stored-at-save-7f3a"  # only in the stored HTML, never in the source
REFUSED = "too many nested or unclosed brackets"
ADMIN = "admin@live-notice.test"
OUTSIDER = "south@live-notice.test"


def _seed(url: str, instance) -> dict:
    with seeding(url, instance):
        north, south = make_region(name="North"), make_region(name="South")
        dealers = [make_user(dealer=make_dealer(north)).email for _ in range(DEALERS)]
        make_user(Role.SUPERVISOR, email=OUTSIDER, regions=[south])
        admin = make_user(Role.ADMIN, email=ADMIN)
        values = {
            "kind": "policy",
            "title": "Returns policy",
            "body": "Placeholder",
            "effective_from": clock.today(),
            "acknowledge_days": 7,
            "audience": "network",
        }
        notice, _ = services.create_notice(values, author=admin)
        services.publish(notice, actor=admin)
        # As a body from before the fix is stored by migration 0014's backfill (refused by
        # its shape, kept as plain text), with a line only the stored HTML has.
        html = f"<p>{MARKER}</p>" + richtext.render_or_plain(BRACKETS)
        notice.body, notice.body_html = BRACKETS, html
        notice.versions[-1].body, notice.versions[-1].body_html = BRACKETS, html
        db.session.commit()
        return {"notice_id": notice.id, "html": html, "dealers": dealers}


def _post_notice(session, base: str, body: str):
    data = {
        "csrf_token": csrf_token(session, f"{base}/notices/new"),
        "submission_token": f"live-{len(body)}",
        "title": "Opening hours",
        "body": body,
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": "7",
        "audience": "network",
    }
    return session.post(f"{base}/notices/new", data=data, allow_redirects=False, timeout=TIMEOUT)


def test_dealers_viewing_the_bracket_notice_run_no_markdown(tmp_path):
    renders = tmp_path / "renders.log"
    watch = {
        "GUNICORN_CMD_ARGS": "--config python:tests.support.render_watch",
        render_watch.LOG_ENV: str(renders),
    }
    with live_database("live_notice", tmp_path) as url:
        seeded = _seed(url, tmp_path)
        with gunicorn(url, tmp_path, workers=3, extra_env=watch) as base:
            admin = sign_in(base, ADMIN)
            dealers = [sign_in(base, email) for email in seeded["dealers"]]
            outsider = sign_in(base, OUTSIDER)

            # Saving is where Markdown runs: the bracket body is refused there by its shape
            # alone, an ordinary body is rendered (and the watch sees it).
            refused = _post_notice(admin, base, BRACKETS)
            assert refused.status_code == 200
            assert REFUSED in refused.text
            assert render_watch.calls(renders).count("_run_child") == 0
            saved = _post_notice(admin, base, "We open at **nine**.")
            assert saved.status_code == 302, saved.status_code
            assert "_run_child" in render_watch.calls(renders)
            before = len(render_watch.calls(renders))

            pages = _open_at_once(base, dealers, outsider, seeded["notice_id"])

    assert render_watch.calls(renders)[before:] == []  # no view rendered anything
    assert [page.status_code for page in pages] == [200] * DEALERS * VIEWS
    assert all(seeded["html"] in page.text for page in pages)  # served as stored


def _open_at_once(base: str, dealers: list, outsider, notice_id: int) -> list:
    start = threading.Barrier(DEALERS)
    url = f"{base}/notices/{notice_id}"

    def dealer_views(session) -> list:
        start.wait(timeout=TIMEOUT)
        return [session.get(url, timeout=TIMEOUT) for _ in range(VIEWS)]

    home = {"outsider's home page": (outsider, lambda s: s.get(f"{base}/home", timeout=TIMEOUT))}
    with Traffic(home) as traffic, ThreadPoolExecutor(max_workers=DEALERS) as pool:
        pages = [page for views in pool.map(dealer_views, dealers) for page in views]
    traffic.assert_all_ok()
    return pages
