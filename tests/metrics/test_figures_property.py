"""The maintained figures equal a full recomputation, whatever happens to the network.

Hypothesis draws sequences of plan, report, audit, corrective action, notice, registry,
customer complaint, invoice (billing, payments, credit limits) and calendar steps; each step
goes through the services the pages call, and commits like a request. After each sequence
the rows kept by the writing transactions (and by the refresh task, for the time that passed
and for changes left to the queue) must equal what `rebuild-figures` computes from the
base tables. After each jump of the calendar, before the task runs, every row that still
claims to be current must already be right: that is the proof that `stale_on` names every
day a figure changes by itself.

Runs on both databases (PORTAL_TEST_DATABASE_URL). Each test's examples share one
database, so later sequences start from a network earlier ones left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import clock, jobs, periods
from portal.access.notices import can_respond
from portal.audits import corrective, scheduling
from portal.complaints import services as complaint_services
from portal.extensions import db
from portal.jobs import figures as figure_jobs
from portal.metrics import complaint_months
from portal.models import (
    ActionStatus,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintMonth,
    ComplaintStatus,
    CorrectiveAction,
    Dealer,
    DealerStatus,
    ExecutionStatus,
    Invoice,
    Notice,
    NoticeStatus,
    PlanStatus,
    ProductLine,
    Remedy,
    ReportStatus,
    Role,
    StandardVersion,
    Store,
    StoreStatus,
    User,
)
from portal.network import services as network
from portal.notices import responses
from portal.notices import services as notice_services
from portal.plans import services as plan_services
from portal.receivables import services as receivable_services
from portal.reports import services as report_services
from tests.support import figures
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.clock import at
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)


@dataclass
class Net:
    """Three dealers in two regions, two stores each, and the people acting on them."""

    admin: User
    supervisor: User
    dealers: list[Dealer]
    stores: list[list[Store]]
    users: list[User]
    line: ProductLine
    version: StandardVersion
    regions: list[Any]
    category: ComplaintCategory


def build() -> Net:
    regions = [make_region(), make_region()]
    dealers = [make_dealer(regions[0]), make_dealer(regions[0]), make_dealer(regions[1])]
    net = Net(
        admin=make_user(Role.ADMIN),
        supervisor=make_user(Role.SUPERVISOR, regions=regions),
        dealers=dealers,
        stores=[[make_store(d), make_store(d)] for d in dealers],
        users=[make_user(Role.DEALER, dealer=d) for d in dealers],
        line=make_product_line(),
        version=make_standard(),
        regions=regions,
        category=_category(),
    )
    db.session.commit()
    return net


def _category() -> ComplaintCategory:
    complaint_services.ensure_default_categories()
    return db.session.scalars(db.select(ComplaintCategory).order_by(ComplaintCategory.id)).first()


dealer_index = st.integers(0, 2)
store_index = st.integers(0, 1)
amount = st.sampled_from([0, 80_00, 100_00, 120_00])
AUDITS = st.tuples(
    st.just("audit"),
    dealer_index,
    store_index,
    st.integers(0, 20),
    st.sampled_from([None, "A-01", "A-02"]),  # the item failed (A-02 is critical)
    st.sampled_from(["schedule", "complete"]),
)
TICKS = st.tuples(st.just("tick"), st.sampled_from([1, 1, 2, 3, 6, 13, 31, 95]))
# Invoices are billed due some days from today (some already past 60 days), paid in part or
# in full; a credit limit is set or taken away.
INVOICES = st.tuples(
    st.just("invoice"),
    dealer_index,
    st.sampled_from([-95, -61, -60, -20, 10]),  # days from today to the due date
    st.sampled_from([60_00, 150_00]),
    st.sampled_from(["bill", "bill", "pay", "settle", "limit", "unlimit"]),
)
COMPLAINTS = st.tuples(
    st.just("complaint"),
    dealer_index,
    store_index,
    st.sampled_from([0, 1, 3, 30, 200]),  # hours back it was received
    st.sampled_from(["record", "record", "forward", "start", "resolve", "close", "reopen"]),
)
# Audits, complaints, invoices and the calendar twice: actions and due dates come from
# audits, a complaint's deadlines pass within hours or days, an invoice passes 60 days overdue
# within weeks, and most figures that change by themselves change a few days after them.
STEPS = st.one_of(
    AUDITS,
    AUDITS,
    COMPLAINTS,
    COMPLAINTS,
    INVOICES,
    INVOICES,
    TICKS,
    TICKS,
    st.tuples(
        st.just("plan"),
        dealer_index,
        st.sampled_from([-2, -1, 1]),
        amount,
        st.sampled_from(["save", "submit", "approve", "return", "reopen"]),
    ),
    st.tuples(
        st.just("report"),
        dealer_index,
        store_index,
        st.sampled_from([-2, -1]),
        amount,
        st.sampled_from(["save", "submit", "review", "return"]),
    ),
    st.tuples(
        st.just("action"),
        st.integers(0, 5),
        st.integers(0, 10),
        st.sampled_from(["respond", "verify", "reopen"]),
    ),
    st.tuples(
        st.just("notice"),
        dealer_index,
        store_index,
        st.sampled_from(["network", "regions", "dealers"]),
        st.integers(0, 12),
        st.sampled_from(["publish", "promote", "acknowledge", "execute", "archive"]),
    ),
    st.tuples(
        st.just("registry"),
        dealer_index,
        store_index,
        st.sampled_from(["suspend", "activate", "close", "open", "move", "region"]),
    ),
)


class Run:
    """Applies steps to the network on a calendar that only moves forward: an example starts
    on the day the one before it ended (`start`), as the data it left behind was computed up
    to that day; going back in time is something production never does."""

    def __init__(self, app, net: Net, start: date) -> None:
        self.app, self.net = app, net
        self.start = start
        self.offset = 0

    @property
    def today(self) -> date:
        return self.start + timedelta(days=self.offset)

    def apply(self, step: tuple[Any, ...]) -> None:
        kind, *args = step
        if kind == "tick":
            self.offset += args[0]
            with time_machine.travel(at(self.today), tick=False):
                check_current_rows()
                figure_jobs.run(self.app)  # what the workers do every minute
            return
        with time_machine.travel(at(self.today), tick=False):
            try:
                getattr(self, kind)(*args)
                db.session.commit()
            except ValueError:  # a step the service refuses (its domain errors) changes nothing
                db.session.rollback()

    def finish(self) -> None:
        with time_machine.travel(at(self.today), tick=False):
            jobs.drain(self.app)  # changes left to the queue
            figure_jobs.run(self.app)
            db.session.expire_all()
            stored = figures.snapshot()
            assert figures.differences(stored, figures.recomputed()) == {}
            assert kept_complaint_months() == computed_complaint_months()
        db.session.rollback()

    # Steps

    def plan(self, d: int, months: int, revenue: int, verb: str) -> None:
        dealer, user = self.net.dealers[d], self.net.users[d]
        period = periods.shift(periods.of(self.today), months)
        plan = plan_services.find_plan(dealer.id, period)
        cells = {(self.net.stores[d][0].id, self.net.line.id): (revenue, 1)}
        if verb == "save":
            if plan is None:
                window = (periods.shift(period, -1), periods.shift(period, 1))
                plan_services.create_plan(
                    dealer=dealer, period=period, values=cells, note="", actor=user, window=window
                )
            elif plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
                plan_services.update_plan(plan, values=cells, note="", actor=user)
        elif plan is None:
            return
        elif verb == "submit" and plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            plan_services.submit_plan(plan, actor=user)
        elif verb == "approve" and plan.status == PlanStatus.SUBMITTED:
            plan_services.approve_plan(plan, actor=self.net.supervisor)
        elif verb == "return" and plan.status == PlanStatus.SUBMITTED:
            plan_services.return_plan(plan, actor=self.net.supervisor, comment="Again")
        elif verb == "reopen" and plan.status == PlanStatus.APPROVED:
            plan_services.reopen_plan(plan, actor=self.net.supervisor, reason="Changed")

    def report(self, d: int, s: int, months: int, revenue: int, verb: str) -> None:
        store, user = self.net.stores[d][s], self.net.users[d]
        period = periods.shift(periods.of(self.today), months)
        report = report_services.find_report(store.id, period)
        values = report_services.ReportValues(actuals={self.net.line.id: (revenue, 2)})
        if verb == "save":
            if report is None:
                window = (periods.shift(period, -1), periods.shift(period, 1))
                report_services.create_report(
                    store=store, period=period, values=values, actor=user, window=window
                )
            elif report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
                report_services.update_report(report, values=values, actor=user)
        elif report is None:
            return
        elif verb == "submit" and report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            report_services.submit_report(report, actor=user)
        elif verb == "review" and report.status == ReportStatus.SUBMITTED:
            report_services.review_report(report, actor=self.net.supervisor)
        elif verb == "return" and report.status == ReportStatus.SUBMITTED:
            report_services.return_report(report, actor=self.net.supervisor, comment="Again")

    def audit(self, d: int, s: int, days: int, fails: str | None, verb: str) -> None:
        store, standard = self.net.stores[d][s], self.net.version.standard
        if verb == "schedule":
            scheduling.schedule_audit(
                store=store,
                standard=standard,
                scheduled_for=self.today + timedelta(days=days),
                announced=days % 2 == 0,
                actor=self.net.supervisor,
            )
        else:
            answers = all_pass(self.net.version, **({fails: "fail"} if fails else {}))
            make_audit(store, standard, self.net.supervisor, answers=answers, complete=True)

    def action(self, which: int, days: int, verb: str) -> None:
        wanted = {
            "respond": (ActionStatus.OPEN, ActionStatus.REOPENED),
            "verify": (ActionStatus.RESPONDED,),
            "reopen": (ActionStatus.RESPONDED,),
        }[verb]
        found = db.session.scalars(
            db.select(CorrectiveAction)
            .where(CorrectiveAction.status.in_(wanted))
            .order_by(CorrectiveAction.id)
        ).all()
        if not found:
            return
        action = found[which % len(found)]
        staff = self.net.supervisor
        if verb == "respond":
            owner = db.session.scalar(db.select(User).where(User.dealer_id == action.dealer_id))
            corrective.respond(action, comment="Done", photos=[], actor=owner)
        elif verb == "verify":
            corrective.verify(action, comment="", actor=staff)
        else:
            due = self.today + timedelta(days=days)
            corrective.reopen(action, comment="Not yet", due_on=due, actor=staff)

    def notice(self, d: int, s: int, audience: str, days: int, verb: str) -> None:
        if verb in ("publish", "promote"):
            self._publish(d, audience, days, promotion=verb == "promote")
            return
        notice = db.session.scalar(
            db.select(Notice)
            .where(Notice.status == NoticeStatus.PUBLISHED)
            .order_by(Notice.id.desc())
            .limit(1)
        )
        if notice is None:
            return
        user, store = self.net.users[d], self.net.stores[d][s]
        if verb == "archive":
            notice_services.archive(notice, actor=self.net.admin)
        elif verb == "acknowledge" and can_respond(user, notice):
            responses.acknowledge(notice, user=user, version=notice.current_version)
        elif verb == "execute" and notice.is_promotion and can_respond(user, notice):
            status = ExecutionStatus.DONE if days % 2 else ExecutionStatus.NOT_POSSIBLE
            responses.report_execution(
                notice, store, user=user, version=notice.current_version, status=status,
                reason="No room",
            )  # fmt: skip

    def _publish(self, d: int, audience: str, days: int, *, promotion: bool) -> None:
        today = self.today
        values = {
            "kind": "promotion" if promotion else "policy",
            "title": "Notice",
            "body": "Read me",
            "effective_from": today,
            "effective_to": today + timedelta(days=days + 3) if days % 3 else None,
            "acknowledge_days": days % 4,
            "audience": audience,
            "region_ids": [self.net.regions[0].id] if audience == "regions" else [],
            "dealer_ids": [self.net.dealers[d].id] if audience == "dealers" else [],
            "audience_kind": "",
            "store_ids": [],
            "promotion_start": today if promotion else None,
            "promotion_end": today + timedelta(days=days + 5) if promotion else None,
            "execution_deadline": today + timedelta(days=days) if promotion else None,
        }
        notice, _created = notice_services.create_notice(values, author=self.net.admin)
        notice_services.publish(notice, actor=self.net.admin)

    def complaint(self, d: int, s: int, hours: int, verb: str) -> None:
        store, user = self.net.stores[d][s], self.net.users[d]
        if verb == "record":
            when = clock.now() - timedelta(hours=hours)
            new = complaint_services.NewComplaint(
                store=store, category=self.net.category, channel=Channel.PHONE,
                description="Leaks", received_at=when,
            )  # fmt: skip
            complaint_services.record(new, actor=user)
            return
        sources = {
            "forward": (ComplaintStatus.RECEIVED,),
            "start": (ComplaintStatus.FORWARDED, ComplaintStatus.REOPENED),
            "resolve": (ComplaintStatus.IN_PROGRESS,),
            "close": (ComplaintStatus.RESOLVED,),
            "reopen": (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED),
        }[verb]
        complaint = db.session.scalar(
            db.select(Complaint)
            .where(Complaint.dealer_id == self.net.dealers[d].id, Complaint.status.in_(sources))
            .order_by(Complaint.id)
            .limit(1)
        )
        if complaint is None:
            return
        staff = self.net.supervisor
        if verb == "forward":
            complaint_services.forward(complaint, actor=staff)
        elif verb == "start":
            complaint_services.start(complaint, actor=user)
        elif verb == "resolve":
            complaint_services.resolve(complaint, actor=user, remedy=Remedy.REPAIR, comment="Fixed")
        elif verb == "close":
            complaint_services.close(complaint, actor=staff)
        else:
            complaint_services.reopen(complaint, actor=staff, reason="Back again")

    def invoice(self, d: int, due_days: int, amount: int, verb: str) -> None:
        dealer = self.net.dealers[d]
        if verb == "bill":
            due = self.today + timedelta(days=due_days)
            number = f"H-{db.session.scalar(select(func.count()).select_from(Invoice)) + 1}"
            line = receivable_services.InvoiceLine(
                dealer=dealer,
                number=number,
                issued_on=due - timedelta(days=30),
                due_on=due,
                amount_minor=amount,
            )
            receivable_services.save_invoice(line)
        elif verb in ("pay", "settle"):
            invoice = db.session.scalar(
                select(Invoice)
                .where(Invoice.dealer_id == dealer.id, Invoice.settled.is_(False))
                .order_by(Invoice.id)
                .limit(1)
            )
            if invoice is None:
                return
            part = invoice.open_minor if verb == "settle" else min(invoice.open_minor, amount // 2)
            receivable_services.record_payment(invoice, part, paid_on=self.today)
        else:  # a limit some dealers' open invoices pass, or none at all
            receivable_services.set_terms(
                dealer,
                limit_minor=amount if verb == "limit" else 0,
                terms_days=30,
                version=None,
                actor=self.net.admin,
            )

    def registry(self, d: int, s: int, verb: str) -> None:
        dealer, store = self.net.dealers[d], self.net.stores[d][s]
        if verb in ("suspend", "activate"):
            status = DealerStatus.SUSPENDED if verb == "suspend" else DealerStatus.ACTIVE
            network.update_dealer(dealer, {"code": dealer.code, "status": status})
        elif verb in ("close", "open"):
            status = StoreStatus.CLOSED if verb == "close" else StoreStatus.OPEN
            network.update_store(store, {"code": store.code, "status": status})
        elif verb == "move":  # the store goes to the next dealer (and stays there)
            other = self.net.dealers[(d + 1) % 3]
            network.update_store(store, {"code": store.code, "dealer_id": other.id})
        else:
            region = self.net.regions[1] if dealer.region_id == self.net.regions[0].id else None
            network.move_dealer(dealer, (region or self.net.regions[0]).id)


def kept_complaint_months() -> dict[tuple[int, str], tuple[int, ...]]:
    """complaint_months as kept by the flushes (rows counting nothing left out)."""
    rows = db.session.execute(select(ComplaintMonth.__table__))
    found = {(row.region_id, row.month): tuple(row[2:]) for row in rows}
    return {key: counts for key, counts in found.items() if any(counts)}


def computed_complaint_months() -> dict[tuple[int, str], tuple[int, ...]]:
    connection = db.session.connection()
    rows = connection.execute(complaint_months.computed(connection))
    return {(row.region_id, row.month): tuple(row[2:]) for row in rows}


def check_current_rows() -> None:
    """Rows that claim to hold today's figures hold exactly what a recomputation gives."""
    db.session.expire_all()
    current = figures.current_dealers()
    stored = figures.snapshot(current)
    expected = figures.recomputed(current)
    for name in ("dealer_figures", "dealer_overdue_notices"):
        assert set(stored[name]) == set(expected[name]), name
    db.session.rollback()


@pytest.mark.parametrize(
    "app_config",
    [
        pytest.param({}, id="in-the-transaction"),
        # Every change touching two dealers or more goes through the queue instead.
        pytest.param({"FIGURES_INLINE_DEALERS": 1}, id="through-the-queue"),
    ],
)
def test_maintained_rows_equal_a_full_recomputation(app):
    net = build()
    calendar = {"today": clock.today()}  # where the last example's calendar stopped

    @settings(max_examples=30)
    @given(steps=st.lists(STEPS, min_size=4, max_size=20))
    def run(steps: list[tuple[Any, ...]]) -> None:
        sequence = Run(app, net, calendar["today"])
        try:
            for step in steps:
                sequence.apply(step)
            sequence.finish()
        finally:
            calendar["today"] = sequence.today

    run()
