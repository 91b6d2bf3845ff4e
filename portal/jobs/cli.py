"""`flask --app app worker`: run the job queue's consumer in the foreground."""

from __future__ import annotations

import logging
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.jobs.queue import queue_of


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Jobs run at once.")
@click.option(
    "--worker-type",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Threads suffice: PDFs render in child processes of their own.",
)
@click.option("--periodic/--no-periodic", default=True, help="Run the periodic jobs too.")
@click.option(
    "--nice",
    type=click.IntRange(0, 19),
    default=10,
    show_default=True,
    help="Lower the CPU priority of the worker and its renders by this much, so that web "
    "requests on the same host come first (0: unchanged).",
)
@with_appcontext
def worker(workers: int, worker_type: str, periodic: bool, nice: int) -> None:
    """Run queued jobs (any number of workers, on any number of hosts, with Redis)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = queue_of(app)
    if app.config.get("QUEUE_IMMEDIATE"):
        raise click.ClickException("QUEUE_IMMEDIATE is set: jobs run where they are queued.")
    if nice:
        # Inherited by the render processes this worker starts. Measured with bench/hostile.py
        # on two cores: other users' p95 during 8 region exports went from 2-3x idle to 1.5x.
        os.nice(nice)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if worker_type == "process":
        from portal.extensions import db

        @queue.huey.on_startup(name="portal.dispose_engine")
        def dispose_engine() -> None:  # forked children open connections of their own
            with app.app_context():
                db.engine.dispose(close=False)

    click.echo(
        f"Worker on {type(queue.huey.storage).__name__} ({workers} {worker_type}s, nice {nice})"
    )
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type=worker_type, periodic=periodic, max_delay=2.0
    )
    consumer.run()
