"""The assessment's target and receivables metrics: attainment of the approved allocation
for the period, and the receivables as they stood at the period's end (a payment made after
it changes nothing), each with its weight."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal import periods
from portal.assessments import services
from portal.extensions import db
from portal.metrics import assessments as assessment_metrics
from portal.metrics.figures import attainment_of
from portal.models import AllocationAction, ReportStatus
from portal.receivables import services as receivables
from portal.targets import services as targets
from tests.assessments.conftest import last_quarter
from tests.receivables.conftest import invoice
from tests.support.plans import make_report

KEYS = ("allocation_attainment", "receivables_on_time", "dso_within_terms", "credit_within_limit")


def approve_allocation(world, year: int):
    """Region A's target for the year, allocated (all of it to dealer X, its only dealer)."""
    admin, supervisor = world.people["admin"], world.people["supervisor_a"]
    targets.set_target(region=world.region_a, year=year, product_line=world.line,
                       revenue_minor=1_200_000_00, units=1200, months=None, reason="",
                       actor=admin, today=date(year - 1, 1, 1))  # fmt: skip
    allocation = targets.start_allocation(region=world.region_a, year=year, actor=supervisor)
    targets.submit_allocation(allocation, actor=supervisor)
    targets.ALLOCATIONS.move(allocation, AllocationAction.APPROVE, actor=admin)
    db.session.flush()
    return allocation


def metrics_of(world, cycle, today):
    config = services.settings()
    preview = services.preview(world.dealer_x, cycle, config=config, today=today)
    return {metric.key: metric for metric in preview.metrics}, preview


def test_attainment_of_the_allocated_target_over_the_quarter(world):
    cycle = last_quarter()
    quarter = periods.span(periods.of(cycle.first_day), periods.of(cycle.last_day))
    allocation = approve_allocation(world, cycle.first_day.year)
    allocated = sum(
        amount[0]
        for (dealer_id, _line, month), amount in targets.cells_of(allocation).items()
        if dealer_id == world.dealer_x.id and month in quarter
    )
    assert allocated > 0
    make_report(world.store_x, quarter[0], {world.line: (200_000_00, 10)},
                status=ReportStatus.SUBMITTED)  # fmt: skip
    make_report(world.store_x, quarter[2], {world.line: (50_000_00, 5)},
                status=ReportStatus.REVIEWED)  # fmt: skip
    db.session.commit()
    found, preview = metrics_of(world, cycle, cycle.last_day + timedelta(days=1))
    expected = Decimal(attainment_of(250_000_00, allocated)) / 100
    metric = found["allocation_attainment"]
    assert metric.value == min(expected.quantize(Decimal("0.1")), Decimal(100))
    assert metric.facts == {"percent": str(expected.quantize(Decimal("0.1")))}
    assert metric.weight == Decimal(20)
    assert preview.result.share_of("metric", "allocation_attainment") > 0
    # A draft allocation is no target yet: the metric has no data.
    targets.reopen_allocation(allocation, actor=world.people["admin"], reason="Again")
    db.session.commit()
    found, _preview = metrics_of(world, cycle, cycle.last_day + timedelta(days=1))
    assert found["allocation_attainment"].value is None


def test_receivables_as_they_stood_at_the_quarter_end(world):
    cycle = last_quarter()
    end = cycle.last_day
    x = world.dealer_x
    late = invoice(x, "Q-1", due_on=end - timedelta(days=70), amount=300_00)
    invoice(x, "Q-2", due_on=end + timedelta(days=10), amount=700_00)  # issued 20 days before
    receivables.set_terms(x, limit_minor=800_00, terms_days=30, version=None,
                          actor=world.people["admin"])  # fmt: skip
    # Paid the day after the quarter ended: the quarter's figures do not see it.
    receivables.record_payment(late, 300_00, paid_on=end + timedelta(days=1))
    invoice(world.dealer_y, "Y-1", due_on=end - timedelta(days=90), amount=999_00)
    db.session.commit()
    found, preview = metrics_of(world, cycle, end + timedelta(days=1))
    # 300 of 1,000 owed was more than 60 days overdue.
    assert found["receivables_on_time"].value == Decimal("70.0")
    assert found["receivables_on_time"].facts == {"percent": "30.0", "day": end.isoformat()}
    # DSO: 1,000 open against 700 invoiced in 90 days = 128.6 days; terms 30: 30 / 128.6.
    assert found["dso_within_terms"].facts == {"dso": "128.6", "terms": 30, "day": end.isoformat()}
    assert found["dso_within_terms"].value == Decimal("23.3")
    # 125 % of the 800 limit used: the limit covers 80 % of what was owed.
    assert found["credit_within_limit"].facts == {"percent": "125.0", "day": end.isoformat()}
    assert found["credit_within_limit"].value == Decimal("80.0")
    assert found["credit_within_limit"].detail == (
        f"125.0% of the credit limit used on {end.isoformat()}"
    )
    assert all(found[key].weight == Decimal(5) for key in KEYS[1:])
    assert all(preview.result.share_of("metric", key) > 0 for key in KEYS[1:])


def test_a_dealer_without_allocation_or_invoices_has_no_data_for_them(world):
    cycle = last_quarter()
    card = assessment_metrics.scorecard(
        world.dealer_x.id, first=cycle.first_day, last=cycle.last_day, today=cycle.last_day
    )
    assert all(card.components[key].value is None for key in KEYS)
    assert set(card.components) == set(assessment_metrics.KEYS)


def test_a_saved_assessment_keeps_the_metrics_and_shows_them(world, clients):
    cycle = last_quarter()
    invoice(world.dealer_x, "Q-1", due_on=cycle.last_day - timedelta(days=5), amount=100_00)
    db.session.commit()
    config = services.settings()
    made = services.start_assessment(
        dealer=world.dealer_x, cycle=cycle, ratings={}, comment="", actor=world.people["admin"],
        config=config, today=cycle.last_day + timedelta(days=1),
    )  # fmt: skip
    db.session.commit()
    kept = {metric.key: metric for metric in made.metrics}
    assert kept["receivables_on_time"].value == Decimal(100)
    page = clients("supervisor_a").get(f"/assessments/{made.id}").get_data(as_text=True)
    assert 'data-testid="metric-receivables_on_time"' in page
    assert "Receivables within 60 days" in page
    assert "0.0% of what was owed on" in page
