"""S6: dealer users on supervisor/admin routes and supervisors on admin routes: 403/404, no write.

The walk covers every route whose declared rule excludes the role, with ids of records inside
the person's own scope (dealer N01 and its stores for n01's user, North for its supervisor),
so a refusal comes from the role, not from the object being out of reach.
"""

from urllib.parse import urlsplit

import pytest

from portal.demo.network import DEMO_PASSWORD
from portal.extensions import db
from portal.models import Role
from tests.conftest import client_for
from tests.security import routes
from tests.support.snapshots import difference, snapshot

PAYLOAD = {
    "code": "HACK1",
    "name": "Hacked",
    "kind": "dealer",
    "status": "active",
    "region_id": "1",
    "dealer_id": "1",
    "active": "0",
    "role": "admin",
    "email": "hacker@evil.example",
    "password": "a-long-enough-password",
    "locale": "en",
    "version": "1",
}
PEOPLE = {Role.DEALER: "n01@demo.example", Role.SUPERVISOR: "north.supervisor@demo.example"}


def _methods(route: routes.Route) -> list[str]:
    return sorted((route.rule.methods or set()) - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize("role", [Role.DEALER, Role.SUPERVISOR], ids=["dealer", "supervisor"])
def test_routes_of_higher_roles_refuse_and_write_nothing(app, demo, role):
    client = client_for(app, PEOPLE[role], DEMO_PASSWORD)
    before = snapshot()
    refused = set()
    for route in routes.routes(app):
        if route.access is None or route.is_public or route.allows_role(role):
            continue
        path = route.path(routes.first_ids(route))
        for method in _methods(route):
            response = client.open(path, method=method, data=PAYLOAD)
            assert response.status_code in (403, 404), f"{method} {path}: {response.status_code}"
            refused.add(route.endpoint)

    changes = difference(before, snapshot())
    assert not changes, str(changes)
    assert {"users.create", "dealers.move", "activity.index"} <= refused
    if role == Role.DEALER:
        assert {"dealers.edit", "dealers.export", "regions.index"} <= refused


def test_first_ids_are_inside_the_people_s_own_scope(app, demo):
    # The walk above relies on it: the lowest dealer id is N01, in North.
    first_dealer = routes.existing_ids("dealer_id")[0]
    assert first_dealer == demo.dealers["N01"].id
    assert demo.dealers["N01"].region.code == "NORTH"


def test_a_user_who_must_change_password_reaches_only_the_password_page(app, demo):
    user = demo.users["n02@demo.example"]
    client = client_for(app, user.email, DEMO_PASSWORD)
    user.must_change_password = True
    db.session.commit()
    before = snapshot()
    for route in routes.routes(app):
        if route.access is None or route.is_public or route.access.during_password_change:
            continue
        path = route.path(routes.first_ids(route))
        for method in _methods(route):
            response = client.open(path, method=method, data=PAYLOAD)
            assert response.status_code in (302, 403), f"{method} {path}"
            if response.status_code == 302:
                assert urlsplit(response.headers["Location"]).path == "/account/password"

    changes = difference(before, snapshot())
    assert not changes, str(changes)
    assert client.get("/account/password").status_code == 200
