"""The demo network carries notices that show the feature in use."""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.metrics import notices as metrics
from portal.models import Notice, NoticeExecution, NoticeKind, NoticeStatus, User


def test_demo_has_policies_and_a_running_promotion_with_partial_answers(demo):
    notices = db.session.scalars(select(Notice)).all()
    published = [n for n in notices if n.status == NoticeStatus.PUBLISHED]
    assert sum(n.kind == NoticeKind.POLICY for n in published) >= 3
    assert any(n.current_version == 2 for n in published)
    promotion = next(n for n in published if n.kind == NoticeKind.PROMOTION)
    today = clock.today()
    assert promotion.promotion_start <= today <= promotion.promotion_end
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
    progress = metrics.progress(promotion, admin)
    assert 0 < progress.acknowledged < progress.audience
    assert 0 < progress.executed < progress.stores
    assert progress.not_possible >= 1
    photos = db.session.scalars(
        select(NoticeExecution).where(NoticeExecution.photo_id.is_not(None))
    ).all()
    assert len(photos) >= 3
    assert any(n.status == NoticeStatus.DRAFT for n in notices)
    assert any(n.status == NoticeStatus.ARCHIVED for n in notices)


def test_demo_supervisor_home_lists_overdue_notices(client, demo):
    client.post(
        "/sign-in", data={"email": "south.supervisor@demo.example", "password": "portal-demo"}
    )
    home = client.get("/home").get_data(as_text=True)
    assert "Summer running promotion" in home.split('data-testid="overdue-notices"')[1]
