"""The demo network carries two years of invoices with a realistic share overdue, collection
tasks with promises, one broken promise escalated, and one dealer held and over its limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.metrics import receivables as metrics
from portal.models import CollectionTask, DealerCredit, Invoice, Notification, TaskStatus


def test_two_years_of_invoices_with_a_realistic_share_overdue(demo):
    today = clock.today()
    first = db.session.scalar(select(func.min(Invoice.issued_on)))
    assert today - first > timedelta(days=700)
    agings = metrics.aging_by(Invoice.dealer_id, lambda column: column.is_not(None), today)
    total = metrics.Aging(
        {
            key: metrics.Bucket(
                sum(a.buckets[key].amount_minor for a in agings.values()),
                sum(a.buckets[key].count for a in agings.values()),
            )
            for key in metrics.BUCKETS
        }
    )
    invoiced = db.session.scalar(select(func.sum(Invoice.amount_minor)))
    assert 0.01 < total.open_minor / invoiced < 0.2  # most of two years is paid
    assert 0.15 < total.overdue_minor / total.open_minor < 0.7
    assert total.buckets[metrics.OVER_90].count > 0
    assert total.buckets[metrics.CURRENT].count > 0


def test_collections_promises_an_escalation_and_a_held_dealer(demo):
    statuses = set(db.session.scalars(select(CollectionTask.status)))
    assert {TaskStatus.OPEN, TaskStatus.PROMISED, TaskStatus.ESCALATED} <= statuses
    held = db.session.scalars(select(DealerCredit).where(DealerCredit.on_hold)).all()
    assert [credit.dealer.code for credit in held] == ["N02"]
    standing = metrics.dealer_standing(
        held[0].dealer_id, clock.today(), late_share=metrics.late_share_limit()
    )
    assert standing.flagged
    # The escalation reached the admins (in the portal; the demo's mail goes to its outbox).
    told = db.session.scalars(select(Notification.kind)).all()
    assert "collection.broken" in told
