"""The dealer file's complaints section: the last 12 months' counts and on-time rates, the
repeats and the open cases; a complaint recorded since the last issue makes a new file."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import ComplaintStatus
from tests.audits.test_pdf import text_of
from tests.conftest import client_for
from tests.dossiers.test_issue import issue
from tests.support import complaints as complaint_set
from tests.support.factories import PASSWORD

S, HOUR, DAY = ComplaintStatus, timedelta(hours=1), timedelta(days=1)


def plain(document: bytes) -> str:
    """The PDF's text (some pypdf builds return Latin text as UTF-16 bytes: NULs dropped)."""
    return text_of(document).replace("\x00", "")


def test_the_file_shows_the_dealers_complaints(app, world):
    found = complaint_set.categories()
    quality, service = found["QUALITY"], found["SERVICE"]
    store, other = world.stores_x[0], world.stores_y[0]
    admin = world.admin
    late = complaint_set.make(
        admin, store, quality, received=2 * HOUR, serious=True, forward_due=-HOUR
    )
    handling = complaint_set.make(
        admin, store, service, received=3 * DAY, status=S.IN_PROGRESS,
        forwarded_on_time=True, resolve_due=2 * DAY,
    )  # fmt: skip
    complaint_set.make(
        admin, store, quality, received=40 * DAY, status=S.CLOSED, cycle=1,
        forwarded_on_time=True, resolved_on_time=False,
    )  # fmt: skip
    theirs = complaint_set.make(admin, other, quality, received=HOUR)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    first = issue(supervisor, world.dealer_x)
    text = plain(supervisor.get(f"/dealer-files/{first.id}/download").data)
    for expected in (
        "Customer complaints",
        "Forwarded within target",
        "Resolved on time",
        "66.7",  # 2 of 3 forwarded on time (the unforwarded one is past its deadline)
        "0.0",  # 0 of 1 resolved on time
        "33.3",  # 1 of 3 repeated
        "2 / 1",  # normal / serious
        "Product quality 2",
        "Service 1",
        "2 open, 1 overdue",
        late.reference,
        handling.reference,
        "In progress",
    ):
        assert expected in text, expected
    assert theirs.reference not in text
    # A new complaint makes the fingerprint change: a new file is issued.
    complaint_set.make(admin, store, service, received=HOUR)
    db.session.commit()
    second = issue(supervisor, world.dealer_x)
    assert second.id != first.id
    assert "3 open" in plain(supervisor.get(f"/dealer-files/{second.id}/download").data)
