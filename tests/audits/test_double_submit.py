"""R3: the same form posted ten times at once makes one record."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlalchemy import func, select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import ActionStep, Audit
from tests.support.audit_factories import all_pass, make_audit, photo_bytes
from tests.support.factories import PASSWORD
from tests.support.live import serve_in_thread

# A day well after the test clock's today (tests/support/clock.py).
LATER = (portal_clock.today() + timedelta(days=60)).isoformat()


def signed_in_session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{base}/sign-in",
        data={"email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    return session


def ten_at_once(post) -> list[int]:
    with ThreadPoolExecutor(max_workers=10) as pool:
        return [response.status_code for response in pool.map(lambda _: post(), range(10))]


def test_ten_identical_schedule_posts_make_one_audit(app, world):
    data = {
        "store_id": world.store.id,
        "standard_id": world.standard.id,
        "scheduled_for": LATER,
        "announced": "y",
        "token": "k" * 32,
    }
    email = world.supervisor.email
    db.session.commit()  # and touch nothing until the end: SQLite's write lock is shared
    with serve_in_thread(app) as base:
        session = signed_in_session(base, email)
        statuses = ten_at_once(
            lambda: session.post(
                f"{base}/audits/schedule", data=data, allow_redirects=False, timeout=60
            )
        )
    assert statuses == [302] * 10
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Audit)) == 1


def test_ten_identical_responses_make_one_step(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        complete=True,
    )
    action_id, email = audit.actions[0].id, world.dealer_user.email
    db.session.commit()  # and touch nothing until the end: SQLite's write lock is shared
    with serve_in_thread(app) as base:
        session = signed_in_session(base, email)

        def post():
            return session.post(
                f"{base}/actions/{action_id}/respond",
                data={"comment": "Fixed", "token": "m" * 32},
                files={"photos": ("fix.png", photo_bytes(), "image/png")},
                allow_redirects=False,
                timeout=60,
            )

        statuses = ten_at_once(post)
    assert statuses == [302] * 10
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ActionStep)) == 1
