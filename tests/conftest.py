"""Fixtures shared by every suite: a migrated database per test, the app, clients, people."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from portal import create_app
from portal.extensions import db
from portal.models import User
from tests.support import clock, databases, engines, templates
from tests.support.factories import PASSWORD

# Property tests judge correctness, not speed: on a busy CI machine slow example generation
# or a slow example must not fail them.
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")


def pytest_configure(config: pytest.Config) -> None:
    """Every test runs on the test clock (tests/support/clock.py), in every xdist worker, and
    compiles each SQL statement once per worker (tests/support/engines.py)."""
    clock.start()
    engines.share_compiled_sql()


# Left out of the fast suite (`pytest -m "not slow"`), with
# the browser and live-server tests and every test on the seeded demo network: whole
# modules that render PDFs, seed large networks or run real queue workers; property tests
# that drive the services through many random steps and races run on threads (each one
# test of 5-50 s that the fast suite would wait for at its end); and the sweeps that walk
# every route or page for every role (access matrices, canaries, CSRF, headers, oversized
# ids, escaping); every property test (Hypothesis) and the migrations' round trips. The
# full suite (CI) runs them all.
SLOW_MODULES = (
    "tests/security/test_canary_sweep.py",
    "tests/dossiers/",
    "tests/audits/test_pdf",
    "tests/jobs/",
    "tests/scale/",
    "tests/notices/test_bounded_text.py",
    "tests/metrics/test_figures_property.py",
    "tests/metrics/test_figures_concurrency.py",
    "tests/network/test_csv_round_trip.py",
    "tests/network/test_duplicate_races.py",
    "tests/admin/test_duplicate_races.py",
    "tests/plans/test_rollup_concurrency.py",
    "tests/security/test_migrations.py",
)
SWEEP_MODULES = (
    "tests/security/test_csrf.py",
    "tests/security/test_access_matrix.py",
    "tests/security/test_big_numbers.py",
    "tests/security/test_headers.py",
    "tests/security/test_activity_log.py",
    "tests/security/test_route_inventory.py",
    "tests/security/test_function_level.py",
    "tests/security/test_regionless_supervisor.py",
    "tests/audits/test_access.py",
    "tests/notices/test_access.py",
    "tests/notices/test_xss.py",
    "tests/plans/test_canary.py",
    "tests/plans/test_access_matrix.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _run_once_on_any_database(config, items)
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        heavy = item.get_closest_marker("browser") or item.get_closest_marker("live")
        on_demo = "demo" in getattr(item, "fixturenames", ())
        # Property tests (Hypothesis) run their body for many generated examples each.
        many_examples = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if heavy or on_demo or many_examples or path.startswith(SLOW_MODULES + SWEEP_MODULES):
            item.add_marker(pytest.mark.slow)


# Tests marked `any_database` check what the browser makes of the pages (axe-core's
# accessibility rules, the layout at each width): the same HTML, CSS and script whatever
# database served them. CI runs the suite on SQLite and again on PostgreSQL; these run in
# the first run only (a third of the PostgreSQL run's browser time). Set
# PORTAL_TEST_EVERY_DATABASE=1 to run them on PostgreSQL too.
def _run_once_on_any_database(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not databases.is_postgres() or os.environ.get("PORTAL_TEST_EVERY_DATABASE") == "1":
        return
    once = [item for item in items if item.get_closest_marker("any_database")]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not item.get_closest_marker("any_database")]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the collector off what lives for the whole run.

    Everything imported so far (the portal, SQLAlchemy, the test modules) lives until the
    worker exits, yet each full collection walks it all: with the default thresholds that
    was a third of the CPU of creating an app. Frozen, it is never scanned again, and the
    youngest generation is collected every 20,000 allocations instead of 700 (each test's
    garbage is small; its cycles are still collected).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def pytest_report_header(config: pytest.Config) -> str:
    return f"test clock: {clock.test_today().isoformat()} (PORTAL_TEST_TODAY)"


@pytest.fixture(scope="session")
def schema(tmp_path_factory: pytest.TempPathFactory):
    """Migrate once per worker; each test gets an empty copy (SQLite) or emptied tables (PG)."""
    directory = tmp_path_factory.mktemp("db")
    if databases.is_postgres():
        return databases.PostgresSchema(directory)
    return databases.SqliteTemplate(directory)


@pytest.fixture
def app_config() -> dict:
    """Override in a module to change the app's config for its tests."""
    return {}


class PortalClient(FlaskClient):
    """A test client whose requests run like production ones: in their own app context.

    The test keeps an app context (and session) for factories and checks. Before each
    request the test's session commits, so the request sees the data; the request runs in
    a fresh thread, hence a fresh app context, `g` and session; afterwards the test's
    session is expired so it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect being followed, inside the request's thread
            return super().open(*args, **kwargs)
        db.session.commit()
        with ThreadPoolExecutor(max_workers=1) as executor:
            response = executor.submit(super().open, *args, **kwargs).result()
        db.session.expire_all()
        return response


SEEDED = pytest.StashKey[object]()  # what a demo variant's seed returned, for its fixture


def _demo_variant(request: pytest.FixtureRequest) -> databases.DemoVariant | None:
    """The seeded demo network a test asks for by a fixture, if any."""
    if "canary_markers" in request.fixturenames:
        from tests.security.canary import CANARY_DEMO

        return CANARY_DEMO
    return None


@pytest.fixture
def app(request, schema, tmp_path: Path, app_config: dict) -> Iterator[Flask]:
    variant = _demo_variant(request)
    if variant is not None:
        url, request.node.stash[SEEDED] = schema.variant_url(variant, tmp_path)
    elif "demo" in request.fixturenames:
        url = schema.demo_url(tmp_path)
    else:
        url = schema.new_url()
    # The queue in memory unless a module asks for another (tests/jobs/: `"QUEUE_URL": None`
    # for the embedded SQLite queue): that queue creates and fsyncs a file of its own for
    # every app, ~30 ms a test.
    config = databases.test_config(url, tmp_path, **{"QUEUE_URL": "memory://", **app_config})
    application = create_app(config)
    application.test_client_class = PortalClient
    templates.share_compiled_templates(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def canary_markers(app: Flask, request: pytest.FixtureRequest) -> dict[int, str]:
    """Every demo dealer's canary marker, planted in everything it owns
    (tests/security/canary.py): the test's database is a copy of the demo network the
    markers were seeded into once per worker (issuing dealer files takes seconds)."""
    return request.node.stash[SEEDED]  # type: ignore[return-value]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Auth:
    """Sign a test client in and out as a given user."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in(self, who: User | str, password: str = PASSWORD, **kwargs):
        email = who if isinstance(who, str) else who.email
        return self.client.post("/sign-in", data={"email": email, "password": password}, **kwargs)

    def sign_out(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def demo(app: Flask):
    """The demo network (3 regions, 12 dealers, their stores and accounts), committed.

    The `app` fixture starts such a test on a copy of a database the demo was seeded into
    once per worker (seeding takes seconds); this loads it into the test's session.
    """
    from portal.demo.network import load_network

    return load_network()


def client_for(app: Flask, email: str, password: str) -> FlaskClient:
    """A new signed-in client (its own cookie jar)."""
    other = app.test_client()
    response = other.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {email}"
    return other


@pytest.fixture
def decoding_watched(monkeypatch) -> list[bool]:
    """Whether a database transaction was open each time an upload was checked in a child.

    A POST's transaction holds SQLite's write lock from its first statement: open while a
    large photo decodes (seconds), it would make every other writer wait (check S20)."""
    from portal import storage

    seen: list[bool] = []
    real = storage._in_child

    def watched(task, header, data):
        seen.append(db.session().in_transaction())
        return real(task, header, data)

    monkeypatch.setattr(storage, "_in_child", watched)
    return seen
