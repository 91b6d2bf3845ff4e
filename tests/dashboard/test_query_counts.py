"""Home pages and search run a fixed number of queries however large the network is."""

import pytest

from portal.extensions import db
from portal.models import PlanStatus, ReportStatus, Role
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.clients import signed_in_client
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)
from tests.support.plans import make_plan, make_report, this_month
from tests.support.queries import counting


def grow(region, supervisor, version, line, dealers: int) -> None:
    """Add dealers, each with two stores, last month's plan and reports and an audit."""
    month = this_month(-1)
    for _ in range(dealers):
        dealer = make_dealer(region, city="Springfield")
        stores = [make_store(dealer), make_store(dealer)]
        make_plan(dealer, month, {(stores[0], line): (500_000, 5)}, status=PlanStatus.APPROVED)
        for store in stores:
            make_report(store, month, {line: (400_000, 4)}, status=ReportStatus.SUBMITTED)
        make_audit(
            stores[0],
            version.standard,
            supervisor,
            answers=all_pass(version, **{"A-01": "fail"}),
            complete=True,
        )
    db.session.commit()


def queries(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("role", ["admin", "supervisor", "dealer"])
def test_home_and_search_queries_do_not_grow_with_the_network(app, role):
    region = make_region()
    admin = make_user(Role.ADMIN)
    supervisor = make_user(Role.SUPERVISOR, regions=[region])
    version = make_standard(actor=admin)
    line = make_product_line()
    grow(region, supervisor, version, line, 1)
    dealer_user = make_user(Role.DEALER, dealer=make_dealer(region))
    db.session.commit()
    user = {"admin": admin, "supervisor": supervisor, "dealer": dealer_user}[role]
    client = signed_in_client(app, user)
    urls = ["/home", "/search?q=Springfield", "/search?q=Springfield&kind=stores"]
    if role != "dealer":
        urls += ["/home/dealers.csv", "/home/visits.csv", "/home?sort=health&page=2"]
    client.get("/home")  # warm up: first-request work is not the page's

    small = [queries(client, url) for url in urls]
    grow(region, supervisor, version, line, 5)
    large = [queries(client, url) for url in urls]

    assert small == large, dict(zip(urls, zip(small, large, strict=True), strict=True))
