"""The figures cache: reused while the network's data is unchanged, recomputed after any
change, whichever way the change was written; never stale because of a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from portal import activity, cache, jobs
from portal.extensions import db
from portal.jobs import slots
from portal.models import (
    Dealer,
    DealerStatus,
    Role,
    StoreReport,
    StoreReportLine,
    User,
)
from portal.models.base import utcnow
from tests.dashboard.test_home_pages import page_of, section
from tests.support.clients import signed_in_client
from tests.support.factories import make_user
from tests.support.pages import without_tokens
from tests.support.queries import counting

PERCENT = "\u00a0%"


def version() -> int:
    db.session.rollback()  # a fresh snapshot (PostgreSQL and SQLite alike)
    return cache.network_version()


def test_committing_a_change_bumps_the_version_once(app, home_world):
    before = version()
    home_world.dealer_x.name = "Dealer X renamed"
    home_world.dealer_y.name = "Dealer Y renamed"
    db.session.flush()
    db.session.flush()
    db.session.commit()
    assert version() == before + 1


def test_a_rolled_back_change_does_not_bump_and_leaves_no_mark(app, home_world):
    before = version()
    home_world.dealer_x.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # nothing left to commit: the mark went with the rollback
    assert version() == before


def test_savepoints_leave_the_bump_to_the_real_commit(app, home_world):
    """Releasing a savepoint does not bump (nor lock the version row); a savepoint rolled
    back inside another one does not lose the mark of the changes made before it."""
    before = version()
    with counting() as statements:
        with db.session.begin_nested():
            home_world.dealer_x.name = "In a savepoint"
        bumped_early = [s for s in statements if "data_versions" in s]
        home_world.dealer_y.name = "Before the savepoints"
        db.session.flush()
        outer = db.session.begin_nested()
        db.session.begin_nested().commit()
        outer.rollback()
        db.session.commit()
    assert bumped_early == []
    assert version() == before + 1


def test_bookkeeping_writes_do_not_count(app, home_world):
    before = version()
    activity.record("test.nothing", details={})
    user = db.session.get(User, home_world.admin.id)
    user.last_sign_in_at = utcnow()
    user.locale = "zh_Hans"
    db.session.commit()
    assert version() == before


def test_job_bookkeeping_does_not_count(app, home_world):
    """A region export claims, beats and finishes jobs several times a second."""
    before = version()
    job, _created = jobs.create("dealer_file")
    db.session.commit()
    job = jobs.claim(job.id)
    jobs.heartbeat(job, done=1, total=1)
    jobs.finish(job)
    db.session.commit()
    with slots.render_slot(wait_seconds=1):
        pass
    assert version() == before


def test_the_ignored_tables_and_columns_exist(app):
    """A misspelt name would make the cache ignore nothing, or the wrong thing."""
    assert set(db.metadata.tables) >= cache.IGNORED_TABLES
    assert set(db.metadata.tables["users"].columns.keys()) >= cache.IGNORED_USER_COLUMNS


def test_changing_a_users_scope_counts(app, home_world):
    before = version()
    supervisor = db.session.get(User, home_world.supervisor_a.id)
    supervisor.regions.append(home_world.region_b)
    db.session.commit()
    assert version() == before + 1


def test_bulk_statements_through_the_session_count(app, home_world):
    before = version()
    db.session.execute(
        update(Dealer).where(Dealer.id == home_world.dealer_x.id).values(name="Bulk")
    )
    db.session.commit()
    assert version() == before + 1


def test_marking_a_change_by_hand_counts(app, home_world):
    """For rows written past the session (seed-large writes through the driver)."""
    before = version()
    dealer_id = home_world.dealer_x.id
    db.session.execute(text("UPDATE dealers SET name = 'Raw' WHERE id = :id"), {"id": dealer_id})
    cache.mark_changed(db.session)
    db.session.commit()
    assert version() == before + 1


def test_remember_reuses_until_the_version_moves(app, home_world):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        assert cache.remember("k", compute) == 1
        assert cache.remember("k", compute) == 1
        assert cache.remember("other", compute) == 2
        home_world.dealer_x.name = "Changed"
        db.session.commit()
        assert cache.remember("k", compute) == 3
        assert cache.remember("k", compute) == 3


def test_entries_expire_and_the_oldest_are_evicted(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    figures = cache.FiguresCache(seconds=60, entries=2)
    figures.put("a", 1, "a1")
    figures.put("b", 1, "b1")
    assert figures.get("a", 1) == (True, "a1")  # "a" is now the most recently used
    figures.put("c", 1, "c1")
    assert figures.get("b", 1) == (False, None)
    assert figures.get("a", 1) == (True, "a1")
    clock[0] += 61
    assert figures.get("a", 1) == (False, None)
    assert len(figures) == 1


def test_a_newer_version_replaces_the_older_one():
    figures = cache.FiguresCache(seconds=60, entries=10)
    figures.put("a", 1, "old")
    figures.put("a", 2, "new")
    assert len(figures) == 1
    assert figures.get("a", 1) == (False, None)
    assert figures.get("a", 2) == (True, "new")
    figures.put("a", 1, "late")  # computed by a request that began before the change
    assert figures.get("a", 2) == (True, "new")


@pytest.mark.parametrize("app_config", [{"FIGURES_CACHE_SECONDS": 0}])
def test_a_zero_time_limit_turns_the_cache_off(app, home_world):
    calls = []
    with app.test_request_context():
        cache.remember("k", lambda: calls.append(1))
        cache.remember("k", lambda: calls.append(1))
    assert len(calls) == 2


def test_home_page_shows_a_change_made_after_it_was_cached(app, home_world):
    """The admin's home is cached by the first view; a corrected actual saved elsewhere
    shows on the next view (the rollup and the cache both follow)."""
    admin = home_world.admin
    first = page_of(app, admin)
    assert f"80.0{PERCENT}" in section(first, "dealer-table")
    assert f"90.0{PERCENT}" not in first
    line = db.session.scalar(
        select(StoreReportLine)
        .join(StoreReport)
        .where(StoreReport.store_id == home_world.stores_x[0].id)
    )
    line.revenue_minor += 1_000_000
    db.session.commit()
    second = page_of(app, admin)
    # Dealer X: 8M + 1M actual against its 10M target.
    assert f"90.0{PERCENT}" in section(second, "dealer-table")
    assert f"80.0{PERCENT}" not in section(second, "dealer-table")


def test_viewing_the_home_page_writes_nothing(app, home_world):
    before = version()
    client = signed_in_client(app, home_world.supervisor_a)
    assert client.get("/home").status_code == 200
    assert client.get("/home").status_code == 200
    assert version() == before


def test_a_suspended_dealer_leaves_the_cached_due_card(app, home_world):
    """A change to the dealer registry counts like any other."""
    page_of(app, home_world.admin)
    dealer = db.session.scalar(select(Dealer).where(Dealer.id == home_world.dealer_y.id))
    dealer.status = DealerStatus.TERMINATED
    db.session.commit()
    page = page_of(app, home_world.admin)
    assert f'data-dealer="{home_world.dealer_y.code}"' not in section(page, "dealer-table")


def test_figures_are_shared_by_scope_and_never_across_scopes(app, home_world):
    """Supervisors of the same regions share one entry; another region's supervisor gets
    their own figures, with none of the first region's dealers."""
    colleague = make_user(Role.SUPERVISOR, regions=[home_world.region_a])
    db.session.commit()
    first = page_of(app, home_world.supervisor_a)
    assert f'data-dealer="{home_world.dealer_x.code}"' in section(first, "dealer-table")
    page_of(app, colleague)
    assert len(app.extensions[cache.EXTENSION]) == 1
    other = page_of(app, home_world.supervisor_b)
    assert home_world.dealer_x.code not in without_tokens(other)
    assert "Dealer X" not in other
    assert len(app.extensions[cache.EXTENSION]) == 2
