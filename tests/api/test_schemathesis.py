"""Schemathesis against /api/v1/openapi.json with a token of each role: no server error, no
answer that breaks the document, no status the document does not list."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.extensions import db
from portal.models import Role
from tests.api.conftest import bearer, make_token
from tests.support.factories import (
    make_dealer,
    make_product_line,
    make_region,
    make_store,
    make_user,
)

EXAMPLES = 20  # per operation and role: the three roles take about half a minute
# Schema-valid data may still break a rule the document cannot state (a store code that is
# not the token's, a month outside the window): such requests get 422 or 409, as documented.
RULE_CHECKS = [positive_data_acceptance]


def _network():
    region = make_region()
    dealer = make_dealer(region)
    make_store(dealer)
    make_store(make_dealer())
    make_product_line(code="FTW")
    return {
        "admin": make_user(Role.ADMIN),
        "supervisor": make_user(Role.SUPERVISOR, regions=[region]),
        "dealer": make_user(Role.DEALER, dealer=dealer),
    }


def in_own_thread(app: Flask):
    """The app as WSGI, each request in a thread of its own, hence in its own app context and
    database session, as in production (the test keeps its own context for its data)."""

    def wsgi(environ, start_response):
        with ThreadPoolExecutor(max_workers=1) as executor:
            return executor.submit(lambda: list(app(environ, start_response))).result()

    return wsgi


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "supervisor", "dealer"])
def test_the_api_keeps_to_its_openapi_document(app, role):
    users = _network()
    headers = bearer(make_token(users[role]))
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_own_thread(app))
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=RULE_CHECKS)

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {error}")
        finally:
            db.session.rollback()

    assert not failures, "\n\n".join(failures[:10])
