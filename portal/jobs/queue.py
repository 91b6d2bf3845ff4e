"""The Huey instance of an app, the task registry, and ways to run the queue.

`init_app(app)` builds the queue from the configuration:
- PORTAL_QUEUE_URL unset: SQLite, instance/queue.sqlite3 (the embedded default);
- `redis://host:port/db`: Redis with priorities, shared by any number of workers;
- QUEUE_IMMEDIATE: jobs run at once, in the process that enqueues them (tests).

Task functions register with `@task(kind)` at import; each app wraps them so that they run
in an app context of their own, on the row of the job they were given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import RetryTask

from portal.extensions import db
from portal.models import Job

logger = logging.getLogger(__name__)

Retry = RetryTask  # raise Retry(delay=seconds) to run again later without using a retry
SWEEP_PRIORITY = 100  # above every job kind's


class StepBack(Exception):
    """The job cannot go on yet (every render slot is held): it goes back to the end of the
    queue at once, unclaimed, without using a retry. Unlike `Retry(delay=…)`, which waits
    for the scheduler's next tick (a second), it is there when a slot frees up a moment
    later. In immediate mode (tests) it is scheduled like a retry instead."""


@dataclass(frozen=True)
class TaskSpec:
    """A job kind: the function that runs a claimed job, and how the queue treats it."""

    kind: str
    run: Callable[[Job], None]
    priority: int = 0  # higher first (interactive work before region exports)
    claims: bool = True  # False: a continuation of a job already running (no new claim)
    on_failure: Callable[[Job], None] | None = None  # after its last try failed (flushes)


TASKS: dict[str, TaskSpec] = {}


def task(
    kind: str,
    *,
    priority: int = 0,
    claims: bool = True,
    on_failure: Callable[[Job], None] | None = None,
) -> Callable[[Any], Any]:
    def register(function: Callable[[Job], None]) -> Callable[[Job], None]:
        TASKS[kind] = TaskSpec(kind, function, priority, claims, on_failure)
        return function

    return register


class Queue:
    """An app's Huey instance and its task wrappers, in `app.extensions["queue"]`."""

    def __init__(self, app: Flask, huey: Huey) -> None:
        self.app = app
        self.huey = huey
        self.wrappers: dict[str, Any] = {}
        self.sweep: Any = None  # the periodic sweep's task (portal/jobs/sweep.py)

    def register(self, spec: TaskSpec) -> None:
        config = self.app.config
        self.wrappers[spec.kind] = self.huey.task(
            name=spec.kind,
            context=True,
            retries=int(config["JOB_RETRIES"]),
            retry_delay=float(config["JOB_RETRY_DELAY_SECONDS"]),
            retry_backoff=2,
            priority=spec.priority,
        )(_runner(self.app, spec))


def create_huey(app: Flask) -> Huey:
    config = app.config
    name = config["QUEUE_NAME"]
    if config.get("QUEUE_IMMEDIATE"):
        return MemoryHuey(name, results=False, immediate=True)
    url = config.get("QUEUE_URL")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey(name, results=False, url=url)
    if url == "memory://":
        return MemoryHuey(name, results=False)
    if url:
        raise ValueError("PORTAL_QUEUE_URL must be a redis:// URL (or unset for SQLite)")
    path = Path(app.instance_path) / "queue.sqlite3"
    huey = SqliteHuey(name, results=False, filename=str(path))
    huey.storage.close()  # reopened on first use: no connection may cross a fork (gunicorn)
    return huey


def init_app(app: Flask) -> None:
    from portal.jobs import figures, sweep, tasks  # noqa: F401  (register the job definitions)

    queue = Queue(app, create_huey(app))
    for spec in TASKS.values():
        queue.register(spec)
    minutes = max(1, int(app.config["JOB_SWEEP_MINUTES"]))
    # Ahead of every job kind: queued behind renders that wait for a slot, the sweep would
    # come only once they were through, long after a dead worker's jobs went stale.
    queue.sweep = queue.huey.periodic_task(
        crontab(minute=f"*/{minutes}"), name="jobs.sweep", priority=SWEEP_PRIORITY
    )(lambda: sweep.run(app))
    queue.huey.on_startup(name="jobs.sweep")(lambda: sweep.run(app))
    figures.init_app(app, queue)  # the dealer figures' refresh: periodic and on demand
    app.extensions["queue"] = queue


def queue_of(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["queue"]


def enqueue(kind: str, job_id: int, *, delay: float | None = None) -> None:
    """Put a committed job on the queue (runs it at once in immediate mode)."""
    wrapper = queue_of().wrappers[kind]
    if delay:
        wrapper.schedule(args=(job_id,), delay=delay)
    else:
        wrapper(job_id)


def _runner(app: Flask, spec: TaskSpec) -> Callable[..., None]:
    from portal.jobs import records

    def run(job_id: int, task: Any = None) -> None:
        with app.app_context():
            g.job_id = job_id  # an empty `g` would make force_locale a no-op
            try:
                job = records.claim(job_id) if spec.claims else db.session.get(Job, job_id)
                if job is None or (not spec.claims and job.finished):
                    return
                g.request_id = job.request_id
                spec.run(job)
                db.session.commit()
            except (RetryTask, StepBack) as again:
                if spec.claims:  # let the next run claim it again
                    db.session.rollback()
                    records.release(job_id)
                db.session.commit()
                if isinstance(again, RetryTask):
                    raise
                if app.config.get("QUEUE_IMMEDIATE"):
                    raise RetryTask(delay=1) from None
                enqueue(spec.kind, job_id)
            except Exception as error:
                logger.exception("job %s (%s) failed", job_id, spec.kind)
                db.session.rollback()
                final = task is None or not task.retries
                job = db.session.get(Job, job_id)
                if job is not None and not job.finished:
                    records.fail(job, error, final=final)
                    if final and spec.on_failure is not None:
                        spec.on_failure(job)
                    db.session.commit()
                raise
            finally:
                db.session.remove()

    run.__name__ = spec.kind.replace(".", "_")
    return run


def drain(app: Flask, *, limit: int = 1000) -> int:
    """Run every queued and scheduled task now, in this thread (tests, the CLI). Returns
    how many ran."""
    huey = queue_of(app).huey
    count = 0
    while count < limit:
        message = huey.dequeue()
        batch = [message] if message is not None else _take_scheduled(huey)
        if not batch:
            break
        for task in batch[: limit - count]:
            huey.execute(task)
            count += 1
    return count


def _take_scheduled(huey: Huey) -> list[Any]:
    """Every scheduled task, whatever its time (tests do not wait for retries), earliest
    first. Taken as one round, so a task that schedules itself again (a poll) runs once a
    round and cannot starve a retry scheduled further ahead."""
    far = huey._get_timestamp().replace(year=9999)
    due = huey.read_schedule(far)
    for task in due:
        task.eta = None
    return due


class EmbeddedConsumer(Consumer):
    """A consumer inside another process (the demo server, tests): threads, no signals."""

    def _set_signal_handlers(self) -> None:
        pass


@contextmanager
def embedded_consumer(app: Flask, *, workers: int = 2) -> Iterator[Consumer]:
    """Run the app's queue in threads of this process for as long as the block lasts."""
    consumer = start_embedded(app, workers=workers)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def start_embedded(app: Flask, *, workers: int = 2) -> Consumer:
    consumer = EmbeddedConsumer(
        queue_of(app).huey,
        workers=workers,
        worker_type="thread",
        initial_delay=0.05,
        max_delay=1.0,
        check_worker_health=False,
    )
    consumer.start()
    return consumer
