"""Each role's home page shows its day's work and its figures, and nothing outside its scope."""

import csv
import io
import re

from sqlalchemy import select

from portal.audits import corrective
from portal.extensions import db
from portal.models import ActivityEntry, StoreReport
from tests.support.clients import signed_in_client
from tests.support.pages import without_tokens
from tests.support.plans import this_month

PERCENT = "\u00a0%"


def page_of(app, user, url="/home") -> str:
    response = signed_in_client(app, user).get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_dealer_home_shows_what_is_due_attainment_and_latest_audits(app, home_world):
    page = page_of(app, home_world.user_x)

    due = section(page, "due-now")
    assert f"Sales plan for {this_month(1)}" in due
    assert "Store reports for " + home_world.month in due
    assert f"80.0{PERCENT}" in section(page, "attainment-card")
    todo = section(page, "dealer-todo")
    assert re.search(r"Corrective actions to answer</a>: <span class=\"num\">1</span>", todo)
    assert "1 overdue" in todo
    audits = section(page, "latest-audits")
    assert home_world.stores_x[0].code in audits
    assert home_world.stores_y[0].code not in audits
    assert "Dealer Y" not in page


def test_an_answered_action_is_no_longer_the_dealers_to_do(app, home_world):
    action = home_world.audit_x.actions[0]  # overdue, as the world has it
    corrective.respond(action, comment="Fixed", photos=[], actor=home_world.user_x)
    db.session.commit()

    todo = section(page_of(app, home_world.user_x), "dealer-todo")
    assert re.search(r"Corrective actions to answer</a>: <span class=\"num\">0</span>", todo)
    assert "overdue" not in section(todo + "</section>", "todo-actions").split("</li>")[0]
    cards = section(page_of(app, home_world.supervisor_a), "audit-card")
    assert 'Actions waiting for verification: <span class="num">1</span>' in cards


def test_supervisor_home_shows_their_dealers_figures_only(app, home_world):
    page = page_of(app, home_world.supervisor_a)

    table = section(page, "dealer-table")
    assert f'data-dealer="{home_world.dealer_x.code}"' in table
    assert f"80.0{PERCENT}" in table
    assert home_world.dealer_y.code not in without_tokens(page)
    assert "Dealer Y" not in page
    cards = section(page, "audit-card")
    assert re.search(r'data-testid="actions-overdue">1<', cards)
    assert re.search(r'data-testid="actions-open">1<', cards)
    assert 'data-testid="region-comparison"' not in page  # one region: nothing to compare


def test_supervisor_sees_dealers_needing_a_visit_with_components_and_a_schedule_link(
    app, home_world
):
    page = page_of(app, home_world.supervisor_a)

    visits = section(page, "needing-visit")
    assert f'data-dealer="{home_world.dealer_x.code}"' in visits
    assert "Plan attainment" in visits
    assert "Plan attainment 25," in visits  # the weights are shown
    assert "Overdue corrective actions" in visits  # the penalty, explained
    store = home_world.stores_x[1]  # never audited: the one to visit
    assert f"/audits/schedule?store={store.id}" in visits


def test_health_details_are_text_a_keyboard_reaches_not_title_tooltips(app, home_world):
    # Issue 11 (accessibility): the details lived only in `title` attributes.
    visits = section(page_of(app, home_world.supervisor_a), "needing-visit")

    assert "title=" not in visits
    rows = visits.count('data-testid="visit-row"')
    details = re.findall(
        r'<details class="health-part"[^>]*><summary>.*?</summary>\s*'
        r'<div class="health-part-detail[^"]*">([^<]+)</div>',
        visits,
        flags=re.S,
    )
    assert rows
    assert len(details) == rows * visits.count("\u00d7 ")  # one per weighted component
    assert all(text.strip() for text in details)


def test_admin_home_compares_regions_side_by_side(app, home_world):
    page = page_of(app, home_world.admin)

    regions = section(page, "region-comparison")
    assert regions.count('data-testid="region-column"') == 2
    assert home_world.region_a.name in regions
    assert home_world.region_b.name in regions
    attainment = regions[regions.index('data-testid="row-attainment"') :]
    attainment = attainment[: attainment.index("</tr>")]
    assert f"80.0{PERCENT}" in attainment
    assert f"120.0{PERCENT}" in attainment
    assert f"100.0{PERCENT}" in attainment  # the total: 20,000 of 20,000
    assert "Dealer Y" in section(page, "dealer-table")


def test_the_dealer_table_is_paginated_and_sorted(app, home_world):
    app.config["PAGE_SIZE"] = 1
    client = signed_in_client(app, home_world.admin)

    first = client.get("/home?sort=ytd").get_data(as_text=True)
    second = client.get("/home?sort=ytd&page=2").get_data(as_text=True)

    table_1, table_2 = section(first, "dealer-table"), section(second, "dealer-table")
    assert f'data-dealer="{home_world.dealer_x.code}"' in table_1  # 80 % before 120 %
    assert f'data-dealer="{home_world.dealer_y.code}"' in table_2
    assert "2 results" in table_1


def test_dealer_table_export_is_scoped_and_logged(app, home_world):
    client = signed_in_client(app, home_world.supervisor_a)

    rows = rows_of(client.get("/home/dealers.csv"))

    assert [row["dealer_code"] for row in rows] == [home_world.dealer_x.code]
    assert rows[0]["month_attainment_percent"] == "80.00"
    assert rows[0]["actions_overdue"] == "1"
    assert rows[0]["health"]
    entry = db.session.scalars(select(ActivityEntry).order_by(ActivityEntry.id.desc())).first()
    assert entry.action == "home.export"


def test_region_and_visit_exports_follow_scope(app, home_world):
    admin = signed_in_client(app, home_world.admin)
    supervisor = signed_in_client(app, home_world.supervisor_b)

    regions = rows_of(admin.get("/home/regions.csv"))
    visits = rows_of(supervisor.get("/home/visits.csv"))

    assert {row["region"] for row in regions} == {"Region A", "Region B"}
    assert {row["dealer_code"] for row in visits} == {home_world.dealer_y.code}
    assert {"attainment", "audit_score"} <= {row["component"] for row in visits}


def test_audit_export_gives_a_dealer_its_own_audits_only(app, home_world):
    rows = rows_of(signed_in_client(app, home_world.user_x).get("/home/audits.csv"))

    assert [row["store_code"] for row in rows] == [home_world.stores_x[0].code]


def test_dealers_cannot_export_staff_tables(app, home_world):
    dealer = signed_in_client(app, home_world.user_x)
    for url in ("/home/dealers.csv", "/home/regions.csv", "/home/visits.csv"):
        assert dealer.get(url).status_code == 403, url


def test_every_header_of_the_visit_table_has_a_name(app, home_world):
    visits = section(page_of(app, home_world.supervisor_a), "needing-visit")
    headers = re.findall(r"<th\b[^>]*>(.*?)</th>", visits, flags=re.S)
    assert headers
    assert all(re.sub(r"<[^>]+>", "", text).strip() for text in headers)


def _revenue_chart(page: str) -> str:
    """The plan-against-actual chart of a page: its SVG and its table of figures."""
    start = page.index('<div class="chart-figure"><svg')
    return page[start : page.index("</details>", start)]


def test_the_dealers_chart_follows_the_language_and_the_figures(app, home_world):
    """The plan-against-actual chart is kept per language and figures: never another
    language's words, never figures from before a change."""
    user = home_world.user_x
    english = _revenue_chart(page_of(app, user))
    assert "Revenue: plan against actual" in english

    user.locale = "zh_Hans"
    db.session.commit()
    chinese = _revenue_chart(page_of(app, user))
    assert "计划与实际对比" in chinese
    assert "Revenue" not in chinese

    user.locale = "en"
    report = db.session.scalars(
        select(StoreReport).where(StoreReport.dealer_id == home_world.dealer_x.id)
    ).one()
    report.lines[0].revenue_minor = 9_000_000
    db.session.commit()
    changed = _revenue_chart(page_of(app, user))
    assert "Revenue: plan against actual" in changed
    assert "90,000.00" in changed
    assert "90,000.00" not in english
