"""Bad input gets a clear answer: integers too big for an id column never cause a 500.

An id in a URL beyond the Integer columns' range matches no route (404); in a query string it
is ignored like any invalid filter; in a form it is a field error. Both databases.
"""

from __future__ import annotations

import itertools

import pytest

from portal.models import Role
from tests.security import routes
from tests.support.clients import signed_in_client
from tests.support.snapshots import difference, snapshot
from tests.support.world import World, build_world, dealer_form

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column
HUGE = "99999999999999999999"  # beyond 64 bits: SQLite cannot bind it at all
JUST_TOO_BIG = str(MAX_ID + 1)  # fits 64 bits, not a PostgreSQL integer column
PEOPLE = {Role.ADMIN: "admin", Role.SUPERVISOR: "supervisor_a", Role.DEALER: "dealer_x"}
# Query-string arguments the pages read as ids or numbers.
NUMBER_ARGS = ("region", "dealer", "store", "audit", "product_line", "page", "days")
# Not ASCII digits, yet str.isdigit() says they are: int() refuses them.
ODD_DIGITS = "²"


@pytest.fixture
def app_config():
    return {"PROPAGATE_TEST_ERRORS": False}  # a 500 is a status to assert, not an exception


@pytest.fixture
def world(app) -> World:
    return build_world()


def _client(app, world: World, role: Role):
    return signed_in_client(app, world.people[PEOPLE[role]])


def _methods(route: routes.Route) -> list[str]:
    return sorted((route.rule.methods or set()) - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        (Role.ADMIN, "POST", f"/reports/{HUGE}/review", 404),
        (Role.ADMIN, "POST", f"/audits/{HUGE}/cancel", 404),
        (Role.ADMIN, "POST", f"/notices/{HUGE}/publish", 404),
        (Role.ADMIN, "POST", f"/dealers/{HUGE}/active", 404),
        (Role.ADMIN, "POST", f"/admin/users/{HUGE}/active", 404),
        (Role.ADMIN, "GET", f"/dealers/{JUST_TOO_BIG}", 404),
        (Role.ADMIN, "GET", f"/dealers/{MAX_ID}", 404),
        (Role.ADMIN, "GET", f"/plans/?region={HUGE}", 200),
        (Role.ADMIN, "GET", f"/dealers/?page={HUGE}", 200),
        (Role.ADMIN, "GET", f"/stores/?dealer={JUST_TOO_BIG}&region={ODD_DIGITS}", 200),
        (Role.ADMIN, "GET", f"/plans/sources?dealer={HUGE}&first=2024-05", 404),
        (Role.ADMIN, "GET", f"/dealers/new?region={HUGE}", 200),
        (Role.DEALER, "GET", f"/reports/new?store={HUGE}", 200),
        (Role.DEALER, "GET", f"/inbox/?page={HUGE}", 200),
        (Role.DEALER, "GET", f"/notices/?page={HUGE}", 200),
    ],
)
def test_the_reported_requests_answer_cleanly(app, world, role, method, path, expected):
    response = _client(app, world, role).open(path, method=method)

    assert response.status_code == expected, f"{method} {path}"


@pytest.mark.parametrize("role", list(PEOPLE), ids=lambda role: role.value)
def test_every_route_with_an_oversized_id_is_not_found(app, world, role):
    client = _client(app, world, role)
    before = snapshot()
    checked = 0
    for route in routes.routes(app):
        if not route.int_arguments or not route.allows_role(role):
            continue
        for value in (HUGE, JUST_TOO_BIG):
            path = route.path(dict.fromkeys(route.int_arguments, value))
            for method in _methods(route):
                response = client.open(path, method=method, data={"version": "1"})
                assert response.status_code == 404, f"{method} {path}: {response.status_code}"
                checked += 1

    assert checked > 20
    assert not difference(before, snapshot())


@pytest.mark.parametrize("role", list(PEOPLE), ids=lambda role: role.value)
def test_pages_ignore_oversized_numbers_in_the_query_string(app, world, role):
    client = _client(app, world, role)
    pages = [
        route
        for route in routes.routes(app)
        if route.reads and not route.int_arguments and route.allows_role(role)
    ]
    for route, value in itertools.product(pages, (HUGE, JUST_TOO_BIG, ODD_DIGITS)):
        path = route.path()
        response = client.get(path, query_string=dict.fromkeys(NUMBER_ARGS, value))
        assert response.status_code < 500, f"GET {path} {value}: {response.status_code}"

    assert "/plans/" in {route.path() for route in pages}


def test_the_activity_log_ignores_an_oversized_page(app, world):
    response = _client(app, world, Role.ADMIN).get(f"/admin/activity/?page={HUGE}")

    assert response.status_code == 200


FORMS = [
    (
        Role.ADMIN,
        "/admin/users/new",
        {
            "email": "big@example.com",
            "name": "Big",
            "role": "dealer",
            "dealer_id": HUGE,
            "region_ids": [HUGE, JUST_TOO_BIG],
            "locale": "en",
        },
    ),
    (
        Role.ADMIN,
        "/dealers/new",
        {"code": "BIG1", "name": "Big", "kind": "dealer", "status": "active", "region_id": HUGE},
    ),
    (
        Role.ADMIN,
        "/stores/new",
        {"code": "BIG1", "name": "Big", "format": "flagship", "status": "open", "dealer_id": HUGE},
    ),
    (Role.ADMIN, "/product-lines/new", {"code": "BIG1", "name": "Big", "sort_order": HUGE}),
    (
        Role.SUPERVISOR,
        "/audits/schedule",
        {"store_id": HUGE, "standard_id": JUST_TOO_BIG, "scheduled_for": "2030-01-01"}
        | {"token": "a" * 20},
    ),
    (
        Role.ADMIN,
        "/notices/new",
        {
            "title": "Big",
            "body": "Big",
            "effective_from": "2030-01-01",
            "acknowledge_days": HUGE,
            "audience": "regions",
            "region_ids": [HUGE],
            "dealer_ids": [JUST_TOO_BIG],
            "store_ids": [HUGE],
            "submission_token": "a" * 20,
        },
    ),
    (Role.ADMIN, "/dealer-files/exports", {"region": HUGE}),
    (Role.DEALER, "/reports/new", {"store_id": HUGE, "period": "2024-05"}),
]


@pytest.mark.parametrize(
    ("role", "path", "data"), FORMS, ids=[f"{role.value}:{path}" for role, path, _ in FORMS]
)
def test_forms_refuse_oversized_ids_without_writing(app, world, role, path, data):
    client = _client(app, world, role)
    before = snapshot()

    response = client.post(path, data=data)

    assert response.status_code in (200, 400, 404, 422), f"POST {path}: {response.status_code}"
    assert not difference(before, snapshot())


def test_an_edit_posted_with_an_oversized_version_is_a_conflict(app, world):
    client = _client(app, world, Role.ADMIN)
    before = snapshot()

    response = client.post(
        f"/dealers/{world.dealer_x.id}/edit",
        data=dealer_form(world.dealer_x, name="Renamed", version=HUGE),
    )

    assert response.status_code in (200, 409)
    assert not difference(before, snapshot())
