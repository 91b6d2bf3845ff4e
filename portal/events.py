"""Every SQLAlchemy event listener of the portal, registered by create_app() in this order.

Nothing registers a listener by being imported: each module exposes plain functions and
`init_events(app)` attaches them to the app's session (`db.session`), so the whole
transactional behaviour of the portal can be read here, top to bottom. For one event,
listeners run in the order listed.

- before_flush: first the guards that refuse to change history (a completed audit, a
  published standard version, a final assessment), so nothing else runs for a flush that
  fails; then the rollup notes the plan and report keys a flush touches (with their old
  values), the complaint counts note the differences the flush's complaints make, new
  in-app notifications of mailed kinds get their outgoing mail, the dealer figures note
  which dealers the changes pointed at before them, and new activity entries of webhook
  events get their deliveries (portal/api/webhooks.py).
- after_flush: the rollup recomputes `plan_actual_totals` for those keys, in the same
  transaction, and `complaint_months` gets those differences added; then the dealer
  figures note the dealers the changes point at now (and keep each store's latest
  completed audit).
- do_orm_execute: a bulk statement through the session on a table the figures read makes
  every dealer's figures stale.
- before_commit: the dealer figures flush (running the flush listeners above once more,
  so the rollup is up to date) and recompute the touched dealers' rows last, just before
  COMMIT (portal/metrics/upkeep.py states the rule).
- after_commit / after_rollback / after_transaction_end: stored upload bytes are kept or
  deleted with the transaction's outcome; a commit that added mail wakes a mail worker,
  one that added webhook deliveries queues their jobs, one that left figures stale wakes
  their refresh; a rolled-back transaction forgets its wake-up and its deliveries, and a
  transaction that ended forgets the dealers it noted.

The append-only guard of the activity log (`portal/activity.py`) is a mapper event of
its model and lives with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event


def session_listeners() -> list[tuple[str, Callable[..., Any]]]:
    """(event name, listener) in registration order."""
    from portal import storage
    from portal.api import webhooks
    from portal.jobs import figures as figure_jobs
    from portal.mail import events as mail_events
    from portal.mail import queue as mail_queue
    from portal.metrics import complaint_months, rollup, touched
    from portal.models import assessments, audits, standards

    return [
        ("before_flush", audits.refuse_changes_to_completed_audits),
        ("before_flush", standards.refuse_changes_to_published_versions),
        ("before_flush", assessments.refuse_changes_to_final_assessments),
        ("before_flush", rollup.remember_keys),
        ("before_flush", complaint_months.remember),
        ("before_flush", mail_events.mail_notifications),
        ("before_flush", touched.note_before),
        ("before_flush", webhooks.queue_events),
        ("after_flush", rollup.refresh_keys),
        ("after_flush", complaint_months.apply),
        ("after_flush", touched.note_after),
        ("after_flush", webhooks.note_job_ids),
        ("do_orm_execute", touched.note_statements),
        ("before_commit", touched.refresh_before_commit),
        ("after_commit", storage.settle_commit),
        ("after_commit", mail_queue.wake_after_commit),
        ("after_commit", webhooks.queue_after_commit),
        ("after_commit", figure_jobs.wake_after_commit),
        ("after_rollback", mail_queue.forget_wake),
        ("after_rollback", webhooks.forget),
        ("after_transaction_end", storage.settle_rollback),
        ("after_transaction_end", touched.forget),
        ("after_transaction_end", complaint_months.forget),
    ]


def init_events(app: Flask) -> None:
    """Attach the listeners to the app's session (once per process: apps share `db`)."""
    from portal.extensions import db
    from portal.metrics import rollup, touched

    for name, listener in session_listeners():
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    rollup.watch_key_attributes()
    touched.watch_key_attributes()
