"""The dealer file's targets section (approved allocation against plan and actual per month,
attainment) and receivables section (aging, DSO trend, credit use), in English and Chinese;
a payment or a move of target since the last issue makes a new file."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask_babel import force_locale, gettext

from portal import clock, periods
from portal.dossiers import sections
from portal.extensions import db
from portal.metrics.figures import attainment_of
from portal.models import AllocationAction, ReportStatus
from portal.receivables import services as receivables
from portal.targets import services as targets
from tests.conftest import client_for
from tests.dossiers.conftest import CANARY_Y
from tests.dossiers.test_complaints_section import plain
from tests.dossiers.test_issue import issue
from tests.receivables.conftest import invoice
from tests.support.factories import PASSWORD, make_dealer
from tests.support.plans import make_report

TARGET = 1_200_000_000  # 12,000,000.00 a year


def approve_allocation(world):
    """Region A's target for this year, allocated to dealer X (its only dealer), approved."""
    year = clock.today().year
    targets.set_target(region=world.region_a, year=year, product_line=world.lines[0],
                       revenue_minor=TARGET, units=1200, months=None, reason="",
                       actor=world.admin, today=date(year - 1, 1, 1))  # fmt: skip
    allocation = targets.start_allocation(region=world.region_a, year=year, actor=world.admin)
    targets.submit_allocation(allocation, actor=world.supervisor_a)
    targets.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=world.admin)
    db.session.flush()
    return allocation


def allocated_in(allocation, dealer_id: int, month: str) -> int:
    return sum(
        amount[0]
        for (dealer, _line, period), amount in targets.cells_of(allocation).items()
        if dealer == dealer_id and period == month
    )


def money(minor: int) -> str:
    return f"{round(minor / 100):,}"


def record_receivables(world):
    """Dealer X owes 400,000.00, 300,000.00 of it 75 days overdue, against a 200,000.00
    limit; dealer Y owes a marked amount."""
    today = clock.today()
    x, y = world.dealer_x, world.dealer_y
    late = invoice(x, "X-1", due_on=today - timedelta(days=75), amount=300_000_00)
    invoice(x, "X-2", due_on=today + timedelta(days=10), amount=100_000_00)
    receivables.set_terms(x, limit_minor=200_000_00, terms_days=30, version=None,
                          actor=world.admin)  # fmt: skip
    invoice(y, "Y-1", due_on=today - timedelta(days=75), amount=777_777_00)
    return late


def test_the_file_shows_the_allocated_target_and_the_receivables(app, world, caplog):
    allocation = approve_allocation(world)
    month = periods.of(clock.today())
    allocated = allocated_in(allocation, world.dealer_x.id, month)
    make_report(world.stores_x[1], month, {world.lines[0]: (allocated // 2, 7)},
                status=ReportStatus.SUBMITTED)  # fmt: skip
    record_receivables(world)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        dealer_file = issue(supervisor, world.dealer_x)
    text = plain(supervisor.get(f"/dealer-files/{dealer_file.id}/download").data)
    year = clock.today().year
    for expected in (
        f"Allocated target {year}",
        money(allocated),
        money(allocated // 2),
        f"{attainment_of(allocated // 2, allocated) / 100:.1f}",  # 50.0
        money(TARGET),  # the year's allocation
        "Receivables and credit",
        "400,000",  # open
        "300,000",  # overdue beyond 60 days
        "360.0",  # DSO: 400,000 open against 100,000 invoiced in 90 days
        "200.0",  # per cent of the limit used
        "Over credit limit",
        "Much overdue beyond 60 days",
        "61–90 days",  # noqa: RUF001  (the aging's heading)
    ):
        assert expected in text, expected
    assert "777,777" not in text  # dealer Y's
    assert CANARY_Y not in text
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]


def test_without_allocation_or_invoices_the_sections_say_so(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    text = plain(supervisor.get(f"/dealer-files/{dealer_file.id}/download").data)
    assert "No approved target allocation for this year." in text
    assert "Receivables and credit" in text
    assert "no credit limit recorded" in text


def test_the_chinese_file_has_the_sections_in_real_glyphs(app, world, caplog):
    approve_allocation(world)
    record_receivables(world)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    supervisor.post("/locale", data={"locale": "zh_Hans"})
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        dealer_file = issue(supervisor, world.dealer_x)
    assert dealer_file.locale == "zh_Hans"
    text = plain(supervisor.get(f"/dealer-files/{dealer_file.id}/download").data)
    with app.test_request_context(), force_locale("zh_Hans"):
        words = [gettext("DSO (days)"), gettext("Over credit limit"), gettext("Credit used")]
    assert words[0] != "DSO (days)"  # translated already (receivables)
    for expected in (*words, "北京恒泰商贸有限公司", "400,000", money(TARGET)):
        assert expected in text, expected
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]


def test_a_payment_or_a_move_of_target_makes_a_new_file(app, world):
    other = make_dealer(world.region_a, name="Dealer Z")  # a second dealer to move target to
    allocation = approve_allocation(world)
    late = record_receivables(world)
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    first = issue(supervisor, world.dealer_x)
    assert issue(supervisor, world.dealer_x).id == first.id  # nothing changed: reused
    receivables.record_payment(late, 100_000_00, paid_on=clock.today())
    db.session.commit()
    second = issue(supervisor, world.dealer_x)
    assert second.id != first.id
    assert "300,000" in plain(supervisor.get(f"/dealer-files/{second.id}/download").data)
    targets.move_target(
        allocation, from_dealer=world.dealer_x, to_dealer=other, product_line_id=world.lines[0].id,
        months=[periods.of(clock.today())], revenue_minor=100, units=0, reason="Z opens",
        actor=world.supervisor_a,
    )  # fmt: skip
    db.session.commit()
    assert issue(supervisor, world.dealer_x).id != second.id


def test_the_dso_trend_has_a_point_per_month_end_and_a_chart(app, world):
    record_receivables(world)
    db.session.commit()
    today = clock.today()
    found = sections.receivables(world.dealer_x.id, today)
    assert found.trend[-1].day == today
    assert len(found.trend) == sections.TREND_MONTHS
    assert found.trend[0].day == periods.last_day(
        periods.shift(periods.of(today), -(sections.TREND_MONTHS - 1))
    )
    assert found.trend[-1].dso == found.standing.dso
    assert found.trend[-1].aging == found.standing.aging
