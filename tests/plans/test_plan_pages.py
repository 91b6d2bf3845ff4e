"""The plan grid over HTTP: saving, bad input, copying, conflicts, resent forms, locking."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import PlanStatus, SalesPlan, SalesPlanLine
from tests.support.plans import grid_form, make_plan, this_month


def _plans(dealer):
    return db.session.scalars(select(SalesPlan).where(SalesPlan.dealer_id == dealer.id)).all()


def _line_count():
    return db.session.scalar(select(func.count()).select_from(SalesPlanLine))


def test_dealer_saves_a_plan_from_the_grid_in_minor_units(client, auth, world):
    auth.sign_in(world.user_x)
    store, line = world.stores_x[0], world.lines[0]
    period = this_month(1)
    response = client.post(
        f"/plans/new?period={period}",
        data=grid_form({(store, line): ("12,500.50", "40")}, period=period, note="Ramp-up"),
    )
    assert response.status_code == 302
    (plan,) = _plans(world.dealer_x)
    assert plan.period == period
    assert plan.status == PlanStatus.DRAFT
    assert [(x.store_id, x.product_line_id, x.revenue_minor, x.units) for x in plan.lines] == [
        (store.id, line.id, 1_250_050, 40)
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12,500.50" in page  # the grand total, formatted
    assert "Ramp-up" in page


def test_saving_and_submitting_in_one_go(client, auth, world):
    auth.sign_in(world.user_x)
    store, line = world.stores_x[0], world.lines[0]
    client.post(
        f"/plans/new?period={this_month(1)}",
        data=grid_form({(store, line): ("100", "1")}, action="submit"),
    )
    (plan,) = _plans(world.dealer_x)
    assert plan.status == PlanStatus.SUBMITTED


INVALID_NUMBERS = [
    ("-100", "1", "cannot be negative"),
    ("abc", "1", "Enter an amount"),
    ("10.123", "1", "at most 2 decimals"),
    ("99999999999", "1", "Enter at most"),
    ("100", "1.5", "whole number"),
    ("100", "-3", "cannot be negative"),
]


def test_invalid_numbers_get_a_clear_error_and_save_nothing(client, auth, world):
    auth.sign_in(world.user_x)
    good = (world.stores_x[1], world.lines[1])
    bad = (world.stores_x[0], world.lines[0])
    for revenue, units, message in INVALID_NUMBERS:
        response = client.post(
            f"/plans/new?period={this_month(1)}",
            data=grid_form({good: ("500", "5"), bad: (revenue, units)}),
        )
        assert response.status_code == 422, (revenue, units)
        body = response.get_data(as_text=True)
        assert message in body, (revenue, units)
        assert "Nothing was saved" in body, (revenue, units)
        assert f'value="{revenue}"' in body, (revenue, units)  # what was typed comes back
        assert _plans(world.dealer_x) == [], (revenue, units)
        assert _line_count() == 0, (revenue, units)


@pytest.mark.parametrize("period", ["2001-01", this_month(13), "2026-13", "soon"])
def test_periods_outside_the_window_save_nothing(client, auth, world, period):
    auth.sign_in(world.user_x)
    cells = {(world.stores_x[0], world.lines[0]): ("100", "1")}
    response = client.post(f"/plans/new?period={period}", data=grid_form(cells, period=period))
    assert response.status_code == 422
    assert "Choose a month from" in response.get_data(as_text=True) or (
        "Enter a month as YYYY-MM" in response.get_data(as_text=True)
    )
    assert _plans(world.dealer_x) == []


def test_a_cell_for_another_dealers_store_is_an_error_and_saves_nothing(client, auth, world):
    auth.sign_in(world.user_x)
    cells = {
        (world.stores_x[0], world.lines[0]): ("100", "1"),
        (world.stores_y[0], world.lines[0]): ("900", "9"),
    }
    response = client.post(f"/plans/new?period={this_month(1)}", data=grid_form(cells))
    assert response.status_code == 422
    assert "is not one of this dealer&#39;s stores" in response.get_data(as_text=True)
    assert _plans(world.dealer_x) == []
    assert _plans(world.dealer_y) == []


def test_posted_dealer_status_and_author_fields_are_ignored(client, auth, world):
    auth.sign_in(world.user_x)
    cells = {(world.stores_x[0], world.lines[0]): ("100", "1")}
    data = grid_form(
        cells,
        dealer_id=world.dealer_y.id,
        status="approved",
        created_by_id=world.admin.id,
        first_submitted_at="2000-01-01",
        version="7",
    )
    client.post(f"/plans/new?period={this_month(1)}", data=data)
    (plan,) = _plans(world.dealer_x)
    assert plan.status == PlanStatus.DRAFT
    assert plan.created_by_id == world.user_x.id
    assert plan.first_submitted_at is None
    assert _plans(world.dealer_y) == []


def test_copy_from_last_period_fills_the_grid_without_saving(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, this_month(0), {(store, line): (7_654_300, 321)})
    auth.sign_in(world.user_x)
    page = client.get(f"/plans/new?period={this_month(1)}&copy=1").get_data(as_text=True)
    assert 'value="76543"' in page
    assert 'value="321"' in page
    assert len(_plans(world.dealer_x)) == 1


def test_a_save_from_a_stale_page_shows_both_versions_and_overwrites_nothing(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    plan = make_plan(world.dealer_x, this_month(1), {(store, line): (100_000, 10)})
    db.session.commit()
    stale_version = plan.version
    plan.note = "changed by a colleague"
    plan.lines[0].revenue_minor = 200_000
    db.session.commit()
    auth.sign_in(world.user_x)
    response = client.post(
        f"/plans/{plan.id}/edit",
        data=grid_form({(store, line): ("3000", "10")}, version=stale_version, note="mine"),
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in body
    assert "3,000.00" in body  # yours
    assert "2,000.00" in body  # current
    assert "changed by a colleague" in body
    db.session.refresh(plan)
    assert plan.lines[0].revenue_minor == 200_000
    assert plan.note == "changed by a colleague"


def test_a_resent_save_with_the_same_figures_is_not_a_conflict(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    plan = make_plan(world.dealer_x, this_month(1), {(store, line): (100_000, 10)})
    db.session.commit()
    auth.sign_in(world.user_x)
    data = grid_form({(store, line): ("2000", "10")}, version=plan.version)
    first = client.post(f"/plans/{plan.id}/edit", data=data)
    second = client.post(f"/plans/{plan.id}/edit", data=data)
    assert first.status_code == 302
    assert second.status_code == 302
    db.session.refresh(plan)
    assert plan.lines[0].revenue_minor == 200_000


def test_the_same_new_plan_posted_twice_makes_one_plan(client, auth, world):
    auth.sign_in(world.user_x)
    data = grid_form({(world.stores_x[0], world.lines[0]): ("100", "1")})
    url = f"/plans/new?period={this_month(1)}"
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)
    assert again.status_code == 302
    assert len(_plans(world.dealer_x)) == 1


def test_a_different_new_plan_for_an_existing_period_is_a_conflict(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    make_plan(world.dealer_x, this_month(1), {(store, line): (100, 1)})
    auth.sign_in(world.user_x)
    response = client.post(
        f"/plans/new?period={this_month(1)}", data=grid_form({(store, line): ("5", "5")})
    )
    assert response.status_code == 409
    assert len(_plans(world.dealer_x)) == 1


def test_an_approved_plan_cannot_be_edited(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    plan = make_plan(
        world.dealer_x, this_month(1), {(store, line): (100, 1)}, status=PlanStatus.APPROVED
    )
    db.session.commit()
    auth.sign_in(world.user_x)
    page = client.get(f"/plans/{plan.id}/edit")
    assert page.status_code == 302
    response = client.post(
        f"/plans/{plan.id}/edit",
        data=grid_form({(store, line): ("999", "9")}, version=plan.version),
    )
    assert response.status_code == 409
    db.session.refresh(plan)
    assert plan.lines[0].revenue_minor == 100
    assert plan.status == PlanStatus.APPROVED


def test_submit_button_twice_submits_once(client, auth, world):
    cells = {(world.stores_x[0], world.lines[0]): (100, 1)}
    plan = make_plan(world.dealer_x, this_month(1), cells)
    db.session.commit()
    auth.sign_in(world.user_x)
    data = {"version": plan.version}
    client.post(f"/plans/{plan.id}/submit", data=data)
    client.post(f"/plans/{plan.id}/submit", data=data)
    db.session.refresh(plan)
    assert plan.status == PlanStatus.SUBMITTED
    assert [step.to_status for step in plan.transitions] == [PlanStatus.SUBMITTED]


def test_the_plan_page_shows_totals_comparison_and_timeline(client, auth, world):
    s1, s2 = world.stores_x
    ftw, app_line = world.lines
    make_plan(world.dealer_x, this_month(0), {(s1, ftw): (50_000_00, 5)})
    plan = make_plan(
        world.dealer_x,
        this_month(1),
        {(s1, ftw): (10_000_00, 10), (s2, app_line): (2_345_67, 3)},
        status=PlanStatus.SUBMITTED,
    )
    auth.sign_in(world.supervisor_a)
    body = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "12,345.67" in body  # grand total
    assert "Previous plan (" + this_month(0) + ")" in body
    assert 'data-testid="timeline"' in body
    assert 'data-testid="approve-plan"' in body


def test_plan_another_month_lets_the_dealer_choose_a_later_month(client, auth, world):
    store, line = world.stores_x[0], world.lines[0]
    next_plan = make_plan(world.dealer_x, this_month(1), {(store, line): (1_000_000, 10)})
    auth.sign_in(world.user_x)
    index = client.get("/plans/").get_data(as_text=True)
    assert 'href="/plans/new"' in index  # "Plan another month"

    response = client.get("/plans/new")

    assert response.status_code == 200  # a choice, not a redirect to next month's plan
    page = response.get_data(as_text=True)
    later = this_month(2)
    assert f'href="/plans/new?period={later}"' in page
    assert f'href="/plans/{next_plan.id}"' in page
    grid = client.get(f"/plans/new?period={later}")
    assert grid.status_code == 200
    assert 'class="plan-form"' in grid.get_data(as_text=True)


def test_a_month_outside_the_window_is_refused_with_the_choice(client, auth, world):
    auth.sign_in(world.user_x)
    response = client.get(f"/plans/new?period={this_month(24)}")
    assert response.status_code == 422
    assert 'data-testid="plan-months"' in response.get_data(as_text=True)
