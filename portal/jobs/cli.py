"""`flask --app app worker`: run the job queue's consumer in the foreground."""

from __future__ import annotations

import logging

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
@with_appcontext
def worker(workers: int, worker_type: str, periodic: bool) -> None:
    """Run queued jobs (any number of workers, on any number of hosts, with Redis)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = queue_of(app)
    if app.config.get("QUEUE_IMMEDIATE"):
        raise click.ClickException("QUEUE_IMMEDIATE is set: jobs run where they are queued.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if worker_type == "process":
        from portal.extensions import db

        @queue.huey.on_startup(name="portal.dispose_engine")
        def dispose_engine() -> None:  # forked children open connections of their own
            with app.app_context():
                db.engine.dispose(close=False)

    click.echo(f"Worker on {type(queue.huey.storage).__name__} ({workers} {worker_type}s)")
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type=worker_type, periodic=periodic, max_delay=2.0
    )
    consumer.run()
