"""Per-notice figures, laggards, exports and the supervisor's home page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.metrics import notices as metrics
from portal.models import ExecutionStatus, Notice
from portal.notices import responses
from tests.notices.conftest import make_notice, sign_in


def _backdate(notice: Notice, days: int) -> None:
    """Make the current version `days` older than it is."""
    notice.acknowledge_due_on -= timedelta(days=days)
    if notice.execution_deadline:
        notice.execution_deadline -= timedelta(days=days)
    db.session.commit()


def test_progress_counts_read_acknowledged_and_executed(world):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    responses.mark_read(notice, user=world.user_n2)
    responses.acknowledge(notice, user=world.user_n1, version=1)
    responses.report_execution(
        notice, world.n1a, user=world.user_n1, version=1, status=ExecutionStatus.DONE
    )
    responses.report_execution(
        notice,
        world.n2a,
        user=world.user_n2,
        version=1,
        status=ExecutionStatus.NOT_POSSIBLE,
        reason="Shop closed for works",
    )
    db.session.commit()
    progress = metrics.progress(notice, world.sup_north)
    assert (progress.audience, progress.read, progress.acknowledged) == (2, 2, 1)
    assert (progress.stores, progress.executed, progress.not_possible) == (3, 1, 1)
    assert progress.acknowledged_rate == 0.5
    assert progress.executed_rate == 1 / 3
    assert progress.overdue == 0


def test_laggards_show_how_long_they_are_overdue(app, world):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    responses.acknowledge(notice, user=world.user_n1, version=1)
    db.session.commit()
    _backdate(notice, 10)  # due 3 days ago; deadline 5 days ago
    lines = {line.dealer.code: line for line in metrics.dealer_lines(notice, world.sup_north)}
    assert lines["N1"].days_overdue == 0
    assert lines["N2"].days_overdue == 3
    stores = {
        line.store.code: line.days_overdue for line in metrics.store_lines(notice, world.admin)
    }
    assert stores == {"N1-01": 5, "N1-02": 5, "N2-01": 5}
    page = sign_in(app, world.sup_north).get(f"/notices/{notice.id}/tracking")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="dealer-laggards"' in html
    assert "N2" in html.split('data-testid="dealer-laggards"')[1].split("</table>")[0]


def test_supervisor_sees_only_their_dealers_in_a_network_notice(world):
    notice = make_notice(world.admin, audience="network")
    responses.acknowledge(notice, user=world.user_s1, version=1)
    db.session.commit()
    north = metrics.progress(notice, world.sup_north)
    assert (north.audience, north.acknowledged) == (2, 0)
    south = metrics.progress(notice, world.sup_south)
    assert (south.audience, south.acknowledged) == (1, 1)
    assert metrics.progress(notice, world.admin).audience == 3


def test_acknowledgement_export_lists_every_dealer_with_status(app, world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    responses.acknowledge(notice, user=world.user_n1, version=1)
    db.session.commit()
    _backdate(notice, 9)
    response = sign_in(app, world.sup_north).get(f"/notices/{notice.id}/acknowledgements.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_code = {row["dealer_code"]: row for row in rows}
    assert set(by_code) == {"N1", "N2"}
    assert by_code["N1"]["status"] == "acknowledged"
    assert by_code["N1"]["acknowledged_by"] == "n1@example.test"
    assert by_code["N2"]["status"] == "overdue"
    assert by_code["N2"]["days_overdue"] == "2"


def test_execution_export_has_reasons_and_photos(app, world):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    responses.report_execution(
        notice,
        world.n1a,
        user=world.user_n1,
        version=1,
        status=ExecutionStatus.NOT_POSSIBLE,
        reason="No space at the entrance",
    )
    db.session.commit()
    text = (
        sign_in(app, world.admin).get(f"/notices/{notice.id}/executions.csv").get_data(as_text=True)
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["store_code"] for r in rows] == ["N1-01", "N1-02", "N2-01"]
    assert rows[0]["status"] == "not_possible"
    assert rows[0]["reason"] == "No space at the entrance"
    assert rows[1]["status"] == "not_reported"


def test_overdue_notices_surface_on_supervisor_home(app, world):
    overdue = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id],
        title="Late display",
    )  # fmt: skip
    make_notice(world.sup_north, audience="regions", region_ids=[world.north.id], title="Fresh")
    _backdate(overdue, 10)
    home = sign_in(app, world.sup_north).get("/home").get_data(as_text=True)
    section = home.split('data-testid="overdue-notices"')[1].split("</section>")[0]
    assert "Late display" in section
    assert "Fresh" not in section
    south_home = sign_in(app, world.sup_south).get("/home").get_data(as_text=True)
    assert "Late display" not in south_home


def test_expired_and_archived_notices_leave_the_overdue_list(world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    _backdate(notice, 10)
    assert [n for n, _p in metrics.overdue_notices(world.sup_north)] == [notice]
    notice.effective_to = clock.today() - timedelta(days=1)
    db.session.commit()
    assert metrics.overdue_notices(world.sup_north) == []


def test_inbox_boxes_sort_notices_for_the_dealer(app, world):
    read_only = make_notice(world.admin, audience="network", title="Read only")
    done = make_notice(world.admin, audience="network", title="Done")
    make_notice(world.admin, audience="network", title="Untouched")
    responses.mark_read(read_only, user=world.user_n1)
    responses.acknowledge(done, user=world.user_n1, version=1)
    db.session.commit()
    assert metrics.inbox_counts(world.user_n1) == {
        "to_acknowledge": 2,
        "unread": 1,
        "acknowledged": 1,
        "past": 0,
    }
    client = sign_in(app, world.user_n1)
    unread = client.get("/notices/?box=unread").get_data(as_text=True)
    assert "Untouched" in unread
    assert "Read only" not in unread
