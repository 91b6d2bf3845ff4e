"""A supervisor with no regions sees no dealer at all: not an unrestricted scope.

`portal/access/scope.py` gives such a supervisor `false()`; were it ever `true()` (or the
empty region list skipped as "no filter"), every list, search, home and export below would
show the whole network. Each page is checked for every demo dealer's and store's name.
"""

from __future__ import annotations

import pytest

from portal.demo.network import DEALERS
from portal.models import Role
from tests.support.factories import PASSWORD, make_user

NAMES = sorted(
    {row[1] for row in DEALERS} | {store for row in DEALERS for store, _format in row[10]}
)

PAGES = [
    "/home",
    "/dealers/",
    "/stores/",
    "/plans/",
    "/reports/",
    "/plans/performance",
    "/audits/",
    "/actions/",
    "/notices/",
    "/assessments/",
    "/dealer-files/exports",
    "/dealers/export.csv",
    "/stores/export.csv",
    "/home/dealers.csv",
    "/home/visits.csv",
    "/home/audits.csv",
    "/plans/performance.csv",
]


@pytest.fixture
def regionless(app, demo, client, auth):
    supervisor = make_user(Role.SUPERVISOR, regions=[], email="nowhere@example.test")
    auth.sign_in(supervisor.email, PASSWORD)
    return supervisor


@pytest.mark.parametrize("path", PAGES)
def test_a_supervisor_without_regions_sees_no_dealer(client, regionless, path):
    response = client.get(path, follow_redirects=True)

    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    assert [name for name in NAMES if name in text] == []


def test_a_supervisor_without_regions_finds_no_dealer_by_search(client, regionless):
    for name in [*NAMES[:6], "N01", "Tianjin", "北京"]:
        response = client.get("/search", query_string={"q": name})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert [found for found in NAMES if found in text and found != name] == [], name
