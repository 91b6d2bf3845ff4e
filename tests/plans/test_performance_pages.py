"""Plan vs actual pages: the region table (sortable, CSV), the dealer page, the sources."""

import csv
import io

from portal.extensions import db
from portal.models import PlanStatus
from tests.support.factories import make_dealer, make_store
from tests.support.pages import without_tokens
from tests.support.plans import make_plan, make_report, this_month

LAST = this_month(-1)


def _figures(world):
    """Dealer X plans 10,000.00 and sells 12,000.00 last month; a second dealer in region A
    plans 10,000.00 and sells 5,000.00; dealer Y (region B) has figures too."""
    ftw = world.lines[0]
    other = make_dealer(world.region_a, name="Dealer Z", code="DZ")
    other_store = make_store(other)
    for dealer, store, actual in (
        (world.dealer_x, world.stores_x[0], 1_200_000),
        (other, other_store, 500_000),
        (world.dealer_y, world.stores_y[0], 700_000),
    ):
        make_plan(dealer, LAST, {(store, ftw): (1_000_000, 10)}, status=PlanStatus.APPROVED)
        make_report(store, LAST, {ftw: (actual, 10)}, status="reviewed")
    db.session.commit()
    return other


def test_region_table_lists_the_supervisors_dealers_with_their_figures(client, auth, world):
    _figures(world)
    auth.sign_in(world.supervisor_a)
    body = client.get(f"/plans/performance?period={LAST}").get_data(as_text=True)
    assert world.dealer_x.code in body
    assert "DZ" in body
    assert world.dealer_y.code not in without_tokens(body)
    assert "120.0\u00a0%" in body
    assert "50.0\u00a0%" in body
    assert "17,000" in body  # region total actual


def test_region_table_sorts_by_attainment(client, auth, world):
    _figures(world)
    auth.sign_in(world.supervisor_a)
    ascending = client.get(f"/plans/performance?period={LAST}&sort=attainment").get_data(
        as_text=True
    )
    descending = client.get(f"/plans/performance?period={LAST}&sort=-attainment").get_data(
        as_text=True
    )
    assert ascending.index('data-dealer="DZ"') < ascending.index(
        f'data-dealer="{world.dealer_x.code}"'
    )
    assert descending.index('data-dealer="DZ"') > descending.index(
        f'data-dealer="{world.dealer_x.code}"'
    )


def test_region_table_exports_the_same_figures_as_csv(client, auth, world):
    _figures(world)
    auth.sign_in(world.supervisor_a)
    response = client.get(f"/plans/performance.csv?period={LAST}&sort=-attainment")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["dealer_code"] for row in rows] == [world.dealer_x.code, "DZ"]
    assert rows[0]["target_revenue"] == "10000.00"
    assert rows[0]["actual_revenue"] == "12000.00"
    assert rows[0]["variance_revenue"] == "2000.00"
    assert rows[0]["attainment_percent"] == "120.00"


def test_dealers_cannot_reach_the_region_table(client, auth, world):
    auth.sign_in(world.user_x)
    assert client.get("/plans/performance").status_code == 403
    assert client.get("/plans/performance.csv").status_code == 403


def test_the_dealer_page_shows_the_chart_and_links_every_figure_to_its_sources(client, auth, world):
    _figures(world)
    auth.sign_in(world.user_x)
    body = client.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert 'data-testid="dealer-plan-vs-actual"' in body
    assert "<svg" in body
    assert "Revenue: plan against actual" in body
    source = f"/plans/sources?dealer={world.dealer_x.id}&amp;first={LAST}&amp;last={LAST}"
    assert source + "#targets" in body
    assert source + "#actuals" in body


def test_the_sources_page_lists_the_lines_behind_a_figure(client, auth, world):
    _figures(world)
    auth.sign_in(world.user_x)
    response = client.get(f"/plans/sources?dealer={world.dealer_x.id}&first={LAST}&last={LAST}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert world.stores_x[0].code in body
    assert "10,000.00" in body
    assert "12,000.00" in body
    assert "/reports/" in body
    assert "/plans/" in body


def test_sources_of_another_dealer_or_store_are_not_found(client, auth, world):
    _figures(world)
    auth.sign_in(world.user_x)
    other_dealer = f"/plans/sources?dealer={world.dealer_y.id}&first={LAST}"
    other_store = (
        f"/plans/sources?dealer={world.dealer_x.id}&first={LAST}&store={world.stores_y[0].id}"
    )
    assert client.get(other_dealer).status_code == 404
    assert client.get(other_store).status_code == 404
    assert client.get(f"/plans/performance/dealers/{world.dealer_y.id}").status_code == 404


def test_the_dealer_breakdown_shows_stores_and_product_lines(client, auth, world):
    _figures(world)
    auth.sign_in(world.supervisor_a)
    body = client.get(f"/plans/performance/dealers/{world.dealer_x.id}?period={LAST}").get_data(
        as_text=True
    )
    assert 'data-testid="breakdown-store"' in body
    assert 'data-testid="breakdown-product_line"' in body
    assert world.stores_x[0].code in body
    assert world.lines[0].name in body
