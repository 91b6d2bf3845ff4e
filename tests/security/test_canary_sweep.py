"""S3: no dealer's marker appears in any page, export or document of someone outside its scope."""

import pytest
from flask import Blueprint
from sqlalchemy import select

from portal.access import signed_in
from portal.demo.network import DEALERS, DEMO_PASSWORD
from portal.extensions import db
from portal.models import Dealer, Role
from tests.security.canary import sweep, visible_dealer_ids

DEMO_ROLES = [
    "admin@demo.example",
    "north.supervisor@demo.example",
    "south.supervisor@demo.example",
    # A terminated dealer's users cannot sign in at all (tests/auth/test_dealer_standing.py).
    *(f"{row[0].lower()}@demo.example" for row in DEALERS if row[3] != "terminated"),
]


STAFF_EXPORTS = {
    "/dealers/export.csv",
    "/stores/export.csv",
    "/home/dealers.csv",
    "/home/regions.csv",
    "/home/visits.csv",
    "/home/audits.csv",
    "/complaints/export.csv",
}


@pytest.mark.parametrize("email", DEMO_ROLES)
def test_no_marker_reaches_anyone_outside_its_dealers_scope(app, demo, canary_markers, email):
    """One crawl per user (each takes seconds): the leak check, then what it must have covered."""
    markers = canary_markers
    user = demo.users[email]

    result = sweep(app, user, DEMO_PASSWORD, markers)

    assert not result.leaks, "\n".join(
        f"{leak.url} shows dealer {leak.dealer_id}'s marker" for leak in result.leaks[:20]
    )
    # Not vacuous: the crawl reached the pages of every dealer this user may see...
    assert result.seen == visible_dealer_ids(user)
    # ...searched for every marker and found exactly those in scope...
    searches = [page for page in result.pages if page.url.startswith("/search?q=CANARY")]
    assert len(searches) >= 5
    assert all(page.status == 200 for page in searches)
    found = {
        dealer_id
        for dealer_id, marker in markers.items()
        if any(marker in page.text for page in searches)
    }
    assert found == visible_dealer_ids(user)
    homes = [page for page in result.pages if page.url.split("?")[0] == "/home"]
    assert homes
    assert all(page.status == 200 for page in homes)
    # ...and, for staff, downloaded the CSV exports.
    if user.role is not Role.DEALER:
        exports = [page for page in result.pages if page.content_type.startswith("text/csv")]
        assert {page.url.split("?")[0] for page in exports} >= STAFF_EXPORTS
        assert all(page.status == 200 for page in exports)


def test_sweep_reports_a_page_that_shows_another_dealers_data(app, demo, canary_markers):
    leaky = Blueprint("leaky", __name__)

    @leaky.route("/_test/all-dealers")
    @signed_in
    def all_dealers():
        return ", ".join(db.session.scalars(select(Dealer.name)))

    app.register_blueprint(leaky)
    markers = canary_markers
    user = demo.users["n01@demo.example"]

    result = sweep(app, user, DEMO_PASSWORD, markers)

    leaked = {leak.dealer_id for leak in result.leaks if leak.url == "/_test/all-dealers"}
    assert leaked == set(markers) - visible_dealer_ids(user)
