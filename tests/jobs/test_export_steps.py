"""A region export's steps on the real (SQLite) queue, run one task at a time: renders queued
while planning, a render waiting for a slot back on the queue at once, the last render
nudging the export, and the ZIP written by one job however many steps see the end."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.dossiers import export, renders
from portal.extensions import db
from portal.jobs import slots
from portal.models import ActivityEntry, Job, JobState
from tests.conftest import client_for
from tests.jobs.test_reliability import export_region
from tests.support.factories import PASSWORD, make_dealer


def queued(app, kind: str) -> list:
    """The tasks of one kind waiting on the queue now (not the scheduled ones)."""
    return [task for task in jobs.queue_of(app).huey.pending() if task.name == kind]


def run_one(app, kind: str) -> None:
    """Run the first queued task of a kind, leaving the others where they are."""
    huey = jobs.queue_of(app).huey
    waiting = []
    while True:
        task = huey.dequeue()
        assert task is not None, f"no {kind} task on the queue"
        if task.name == kind:
            break
        waiting.append(task)
    for other in waiting:
        huey.enqueue(other)
    db.session.commit()
    huey.execute(task)
    db.session.expire_all()


def finishes() -> int:
    return db.session.scalar(
        select(func.count(ActivityEntry.id)).where(ActivityEntry.action == "dossier_export.finish")
    )


def test_renders_are_queued_while_the_rest_of_the_region_is_planned(app, world, monkeypatch):
    for number in range(6):
        make_dealer(world.region_a, name=f"Dealer {number}")
    db.session.commit()
    seen = []
    real_request = renders.request

    def request(dealer, **kwargs):
        seen.append(len(queued(app, renders.KIND)))
        return real_request(dealer, **kwargs)

    monkeypatch.setattr(renders, "request", request)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    export_region(supervisor, world.region_a.id)

    run_one(app, export.KIND)

    assert seen == [0, 0, 0, 0, 4, 4, 4]  # the first four went before the fifth was planned
    assert len(queued(app, renders.KIND)) == 7
    assert len(queued(app, export.ASSEMBLE)) == 1


def test_the_last_render_nudges_the_export_and_its_zip_is_written_at_once(app, world):
    make_dealer(world.region_a, name="Second dealer")
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    record = export_region(supervisor, world.region_a.id)
    run_one(app, export.KIND)

    run_one(app, renders.KIND)
    run_one(app, export.NUDGE)  # one file of two: nothing to do yet
    assert queued(app, export.ZIP) == []
    run_one(app, renders.KIND)
    run_one(app, export.NUDGE)

    assert len(queued(app, export.ZIP)) == 1
    run_one(app, export.ZIP)
    assert record.job.state == JobState.DONE
    assert record.storage_key is not None
    assert finishes() == 1
    run_one(app, export.ASSEMBLE)  # the regular look, which came later, stops
    assert jobs.queue_of(app).huey.scheduled() == []
    assert finishes() == 1


def test_the_zip_is_written_once_when_the_nudge_and_the_regular_look_both_see_the_end(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    record = export_region(supervisor, world.region_a.id)
    run_one(app, export.KIND)
    run_one(app, renders.KIND)

    run_one(app, export.ASSEMBLE)
    run_one(app, export.NUDGE)
    jobs.drain(app)

    writers = db.session.scalars(select(Job).where(Job.kind == export.ZIP)).all()
    assert [writer.state for writer in writers] == [JobState.DONE]
    assert record.job.state == JobState.DONE
    assert finishes() == 1


@pytest.mark.parametrize("app_config", [{"QUEUE_URL": None, "RENDER_SLOT_WAIT_SECONDS": 0}])
def test_a_render_waiting_for_a_slot_goes_back_on_the_queue_at_once(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    record = export_region(supervisor, world.region_a.id)
    run_one(app, export.KIND)
    for number in range(app.config["RENDER_SLOTS"]):  # another node renders
        assert slots.try_acquire(f"elsewhere-{number}") is not None
    db.session.commit()

    run_one(app, renders.KIND)

    render = db.session.scalars(select(Job).where(Job.kind == renders.KIND)).one()
    assert (render.state, render.error) == (JobState.QUEUED, "")
    assert len(queued(app, renders.KIND)) == 1  # queued now, not scheduled for later
    assert not any(task.name == renders.KIND for task in jobs.queue_of(app).huey.scheduled())
    db.session.commit()
    for number in range(app.config["RENDER_SLOTS"]):
        slots.release(number + 1, f"elsewhere-{number}")
    db.session.commit()
    jobs.drain(app)
    db.session.expire_all()
    assert record.job.state == JobState.DONE
    assert render.attempts == 2


def test_a_slot_released_in_this_process_passes_to_its_waiting_thread_at_once(app, monkeypatch):
    """The waiter's next regular look is a minute away: only the release's wake-up can hand
    it the slot while the test waits for it."""
    app.config["RENDER_SLOTS"] = 1
    monkeypatch.setattr(slots, "WAIT_POLL_SECONDS", 60)
    waiting, got = threading.Event(), []

    def waiter() -> None:
        with app.app_context():
            waiting.set()
            with slots.render_slot(wait_seconds=120) as slot:
                got.append(slot)

    with slots.render_slot(wait_seconds=0) as held:
        thread = threading.Thread(target=waiter, daemon=True)
        thread.start()
        waiting.wait(10)
        while thread.is_alive() and not _waits(thread):
            time.sleep(0.01)
    thread.join(30)

    assert not thread.is_alive()
    assert got == [held]
    assert slots.held() == 0


def _waits(thread: threading.Thread) -> bool:
    """Whether the thread sleeps in the slot wait (so the release wakes it, not its start)."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code is slots._wait_for_release.__code__:
            return True
        frame = frame.f_back
    return False
