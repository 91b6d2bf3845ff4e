"""The home pages read each dealer's maintained figures: a change shows on the next view,
only within scope, and a row the queue has not brought up to date yet is said to be so."""

from __future__ import annotations

from sqlalchemy import select, text

from portal.extensions import db
from portal.models import Dealer, DealerStatus, Role, StoreReport, StoreReportLine
from tests.dashboard.test_home_pages import page_of, section
from tests.support.factories import make_user
from tests.support.pages import without_tokens

PERCENT = "\u00a0%"


def test_home_page_shows_a_change_made_after_it_was_viewed(app, home_world):
    """A corrected actual saved elsewhere shows on the next view (the rollup and the
    dealer's figures both follow, in the transaction that saved it)."""
    admin = home_world.admin
    first = page_of(app, admin)
    assert f"80.0{PERCENT}" in section(first, "dealer-table")
    assert f"90.0{PERCENT}" not in first
    line = db.session.scalar(
        select(StoreReportLine)
        .join(StoreReport)
        .where(StoreReport.store_id == home_world.stores_x[0].id)
    )
    line.revenue_minor += 1_000_000
    db.session.commit()
    second = page_of(app, admin)
    # Dealer X: 8M + 1M actual against its 10M target.
    assert f"90.0{PERCENT}" in section(second, "dealer-table")
    assert f"80.0{PERCENT}" not in section(second, "dealer-table")


def test_a_terminated_dealer_leaves_the_home_page(app, home_world):
    page_of(app, home_world.admin)
    dealer = db.session.scalar(select(Dealer).where(Dealer.id == home_world.dealer_y.id))
    dealer.status = DealerStatus.TERMINATED
    db.session.commit()
    page = page_of(app, home_world.admin)
    assert f'data-dealer="{home_world.dealer_y.code}"' not in section(page, "dealer-table")


def test_each_scope_reads_its_own_dealers_rows_only(app, home_world):
    colleague = make_user(Role.SUPERVISOR, regions=[home_world.region_a])
    db.session.commit()
    for supervisor in (home_world.supervisor_a, colleague):
        page = page_of(app, supervisor)
        assert f'data-dealer="{home_world.dealer_x.code}"' in section(page, "dealer-table")
    other = page_of(app, home_world.supervisor_b)
    assert home_world.dealer_x.code not in without_tokens(other)
    assert "Dealer X" not in other


def test_figures_not_yet_brought_up_to_date_are_announced(app, home_world):
    page = page_of(app, home_world.supervisor_a)
    assert 'data-testid="figures-stale"' not in page
    assert 'data-testid="figures-stale"' not in page_of(app, home_world.user_x)
    db.session.execute(
        text("UPDATE dealer_figures SET stale_on = as_of WHERE dealer_id = :id"),
        {"id": home_world.dealer_x.id},
    )
    db.session.commit()

    staff = page_of(app, home_world.supervisor_a)
    assert "The figures of 1 dealer are being brought up to date" in staff
    assert 'data-testid="figures-stale"' not in page_of(app, home_world.supervisor_b)
    assert 'data-testid="figures-stale"' in page_of(app, home_world.user_x)
    assert f"80.0{PERCENT}" in section(staff, "dealer-table")  # shown as they are meanwhile
