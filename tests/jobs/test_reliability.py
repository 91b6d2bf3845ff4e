"""Jobs are idempotent, deduplicated, retried with backoff, bounded and survive restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from portal import jobs
from portal.dossiers import archive, renders
from portal.dossiers import export as region_export
from portal.extensions import db
from portal.jobs import slots, sweep
from portal.models import ActivityEntry, DealerFile, ExportJob, Job, JobState, RenderSlot
from portal.models.base import utcnow
from tests.conftest import client_for
from tests.support.factories import PASSWORD, make_dealer
from tests.support.live import ROOT, wait_for


def export_region(client, region_id: int) -> ExportJob:
    client.post("/dealer-files/exports", data={"region": region_id})
    return db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()


def test_duplicate_exports_of_unchanged_dealers_render_each_dealer_once(app, world, monkeypatch):
    make_dealer(world.region_a, name="Second dealer")
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    admin = client_for(app, world.admin.email, PASSWORD)
    rendered = []
    real_render = archive.render

    def counting_render(pending, limits):
        rendered.append(pending.dealer_id)
        return real_render(pending, limits)

    monkeypatch.setattr(archive, "render", counting_render)
    first = export_region(supervisor, world.region_a.id)
    second = export_region(admin, world.region_a.id)
    db.session.commit()
    huey = jobs.queue_of(app).huey
    plans = [huey.dequeue(), huey.dequeue()]
    for plan in plans:  # both exports plan before any render runs
        huey.execute(plan)
    jobs.drain(app)

    db.session.expire_all()
    assert (first.status, second.status) == (JobState.DONE, JobState.DONE)
    assert len(rendered) == len(set(rendered)) == 2
    assert db.session.scalar(select(func.count(DealerFile.id))) == 2
    assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == renders.KIND)) == 2


def test_an_unfinished_job_key_is_held_by_one_job(app, world):
    first, created = jobs.create("dealer_file", key="dealer_file:1:abc")
    again, created_again = jobs.create("dealer_file", key="dealer_file:1:abc")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    jobs.finish(first)
    later, created_later = jobs.create("dealer_file", key="dealer_file:1:abc")
    assert created_later
    assert later.id != first.id


def test_a_job_is_claimed_by_one_worker_only(app, world):
    job, _ = jobs.create("dealer_file")
    db.session.commit()

    assert jobs.claim(job.id) is not None
    assert jobs.claim(job.id) is None  # running, and its worker is alive

    jobs.finish(db.session.get(Job, job.id))
    db.session.commit()
    assert jobs.claim(job.id) is None  # done: never runs again


def test_a_job_left_running_by_a_killed_worker_is_picked_up_again(app, world):
    """A `kill -9` mid-render leaves the row 'running' and no task in the queue: the sweep
    (at worker start-up and every minute) queues it again, and it completes."""
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    export = export_region(supervisor, world.region_a.id)
    queue = jobs.queue_of(app).huey
    queue.flush()  # the task was taken by the worker that died
    job = export.job
    job.state, job.attempts = JobState.RUNNING, 1
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    db.session.commit()

    assert sweep.run(app) == 1
    jobs.drain(app)

    db.session.expire_all()
    assert export.status == JobState.DONE
    assert export.job.attempts == 2
    assert export.storage_key is not None


def test_the_sweep_runs_before_queued_renders(app, world):
    """Renders waiting for a slot must not hold back the sweep that frees a dead worker's."""
    job, _ = jobs.create("dealer_file")
    db.session.commit()
    huey = jobs.queue_of(app).huey
    huey.flush()
    jobs.enqueue("dealer_file", job.id)
    jobs.queue_of(app).sweep()

    assert huey.dequeue().name == "jobs.sweep"
    assert huey.dequeue().name == "dealer_file"


def test_a_running_job_that_beats_is_left_alone(app, world):
    job, _ = jobs.create("dealer_file")
    db.session.commit()
    jobs.claim(job.id)
    db.session.commit()
    jobs.queue_of(app).huey.flush()

    assert sweep.run(app) == 0


def test_a_failing_render_is_retried_with_backoff_and_then_succeeds(app, world, monkeypatch):
    real_render = archive.render
    calls = []

    def flaky(pending, limits):
        calls.append(pending.dealer_id)
        if len(calls) == 1:
            raise RuntimeError("the renderer was killed")
        return real_render(pending, limits)

    monkeypatch.setattr(archive, "render", flaky)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    export = export_region(supervisor, world.region_a.id)
    db.session.commit()
    huey = jobs.queue_of(app).huey
    huey.execute(huey.dequeue())  # the plan
    huey.execute(huey.dequeue())  # the render: fails, scheduled again later

    render = db.session.scalars(select(Job).where(Job.kind == renders.KIND)).one()
    assert (render.state, render.error) == (JobState.QUEUED, "RuntimeError")
    scheduled = huey.scheduled()
    retry = next(task for task in scheduled if task.name == renders.KIND)
    assert retry.retries == app.config["JOB_RETRIES"] - 1
    assert retry.retry_delay == 2 * app.config["JOB_RETRY_DELAY_SECONDS"]  # backoff
    db.session.commit()

    jobs.drain(app)

    db.session.expire_all()
    assert export.status == JobState.DONE
    assert (render.state, render.attempts, render.error) == (JobState.DONE, 2, "")
    assert len(calls) == 2


@pytest.mark.parametrize("app_config", [{"QUEUE_URL": None, "JOB_RETRIES": 0}])
@pytest.mark.parametrize(
    ("step", "error"),
    [(archive.render, RuntimeError), (region_export._zip_into, OSError)],
    ids=["a render", "the ZIP"],
)
def test_a_job_failing_for_good_fails_its_export_visibly(app, world, monkeypatch, step, error):
    def broken(*_args):
        raise error("secret detail")

    monkeypatch.setattr(sys.modules[step.__module__], step.__name__, broken)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    export = export_region(supervisor, world.region_a.id)
    db.session.commit()
    jobs.drain(app)

    db.session.expire_all()
    assert (export.status, export.job.error) == (JobState.FAILED, error.__name__)
    page = supervisor.get(f"/dealer-files/exports/{export.id}").get_data(as_text=True)
    assert "The export failed" in page
    assert "secret detail" not in page
    assert "secret detail" not in page


def test_jobs_carry_the_request_id_of_the_request_that_started_them(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    response = supervisor.post("/dealer-files/exports", data={"region": world.region_a.id})
    request_id = response.headers["X-Request-ID"]
    jobs.drain(app)

    assert {job.request_id for job in db.session.scalars(select(Job))} == {request_id}
    issued = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "dealer_file.issue")
    ).one()
    assert issued.request_id == request_id
    export = db.session.scalars(select(ExportJob)).one()
    assert export.job.started_by_id == world.supervisor_a.id


def test_render_slots_cap_concurrent_renders_across_workers(app, world, monkeypatch):
    app.config["RENDER_SLOTS"] = 1
    for n in range(2):
        make_dealer(world.region_a, name=f"Extra dealer {n}")
    db.session.commit()
    lock, running, most = threading.Lock(), [0], [0]
    real_render = archive.render

    def watched(pending, limits):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real_render(pending, limits)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(archive, "render", watched)
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    with jobs.embedded_consumer(app, workers=3):
        export = export_region(supervisor, world.region_a.id)
        db.session.commit()
        wait_for(lambda: export.job.finished, "the export")

    assert export.status == JobState.DONE
    assert export.done == 3
    assert most[0] == 1


def test_a_slot_is_taken_once_and_a_lapsed_one_is_taken_over(app):
    app.config["RENDER_SLOTS"] = 1

    assert slots.try_acquire("worker-a") == 1
    assert slots.try_acquire("worker-b") is None
    assert slots.held() == 1
    slots.release(1, "worker-b")  # not its slot: nothing happens
    assert slots.try_acquire("worker-b") is None

    with db.engine.begin() as connection:
        connection.execute(update(RenderSlot).values(held_until=utcnow() - timedelta(seconds=1)))
    assert slots.try_acquire("worker-b") == 1  # worker-a died: its lease lapsed
    slots.release(1, "worker-b")
    assert slots.held() == 0


def test_waiting_for_a_held_slot_tries_no_insert(app):
    """A worker polls every 0.2 s while the slots are held: each look reads and updates,
    and never inserts a row that exists (a failing INSERT each time, and an error line in
    the database's log)."""
    app.config["RENDER_SLOTS"] = 2
    assert slots.try_acquire("worker-a") == 1
    assert slots.try_acquire("worker-b") == 2
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert slots.try_acquire("worker-c") is None
        assert slots.try_acquire("worker-c") is None
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert statements
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")]
    assert slots.held() == 2


def test_a_slot_is_renewed_while_its_render_runs(app):
    """A render longer than the lease keeps its slot: its holder is alive."""
    app.config["RENDER_SLOTS"] = 1
    app.config["RENDER_SLOT_LEASE_SECONDS"] = 3  # renewed every second

    with slots.render_slot(wait_seconds=0):
        time.sleep(4)
        assert slots.try_acquire("another-worker") is None
    assert slots.held() == 0


def test_the_worker_command_is_documented(app):
    result = app.test_cli_runner().invoke(args=["worker", "--help"])

    assert result.exit_code == 0
    assert "--workers" in result.output
    assert "--nice" in result.output


def test_the_worker_yields_the_cpu_to_web_requests(tmp_path):
    """The worker (and the renders it starts) runs at a lower CPU priority (S20)."""
    env = {
        **os.environ,
        "PORTAL_SECRET_KEY": "x",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--no-periodic"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = iter(worker.stdout.readline, "")
        started = next((line for line in lines if line.startswith("Worker on")), "")
        priority = os.getpriority(os.PRIO_PROCESS, worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert "nice 10" in started
    assert priority == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)


def test_a_fresh_worker_process_knows_every_job_kind(tmp_path):
    """Kinds register when their modules are imported: a worker imports them all."""
    script = (
        "from portal import create_app\n"
        f"app = create_app({{'SECRET_KEY': 'x', 'INSTANCE_PATH': {str(tmp_path)!r},"
        " 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "print(' '.join(sorted(app.extensions['queue'].wrappers)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()

    assert output == [
        "audit_pdf",
        "dealer_file",
        "dossier_export",
        "dossier_export.assemble",
        "dossier_export.nudge",
        "dossier_export.zip",
        "webhook.deliver",
    ]
