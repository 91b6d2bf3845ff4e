"""The session's listeners are the ones portal/events.py lists, in its order, once each."""

from __future__ import annotations

from portal import create_app
from portal.events import session_listeners
from portal.extensions import db
from portal.metrics import rollup, touched
from tests.support import databases

EXPECTED = {
    "before_flush": [
        "portal.models.audits.refuse_changes_to_completed_audits",
        "portal.models.standards.refuse_changes_to_published_versions",
        "portal.models.assessments.refuse_changes_to_final_assessments",
        "portal.metrics.rollup.remember_keys",
        "portal.metrics.complaint_months.remember",
        "portal.mail.events.mail_notifications",
        "portal.metrics.touched.note_before",
        "portal.api.webhooks.queue_events",
    ],
    "after_flush": [
        "portal.metrics.rollup.refresh_keys",
        "portal.metrics.complaint_months.apply",
        "portal.metrics.touched.note_after",
        "portal.api.webhooks.note_job_ids",
    ],
    "do_orm_execute": ["portal.metrics.touched.note_statements"],
    "before_commit": ["portal.metrics.touched.refresh_before_commit"],
    "after_commit": [
        "portal.storage.settle_commit",
        "portal.mail.queue.wake_after_commit",
        "portal.api.webhooks.queue_after_commit",
        "portal.jobs.figures.wake_after_commit",
    ],
    "after_rollback": ["portal.mail.queue.forget_wake", "portal.api.webhooks.forget"],
    "after_transaction_end": [
        "portal.storage.settle_rollback",
        "portal.metrics.touched.forget",
        "portal.metrics.complaint_months.forget",
    ],
}


def _portal_listeners() -> dict[str, list[str]]:
    session = db.session()
    found = {}
    for name in EXPECTED:
        listeners = [f"{fn.__module__}.{fn.__qualname__}" for fn in getattr(session.dispatch, name)]
        found[name] = [text for text in listeners if text.startswith("portal.")]
    return found


def test_the_session_has_exactly_the_listed_listeners_in_order(app):
    assert _portal_listeners() == EXPECTED
    listed = {name for name, _fn in session_listeners()}
    assert listed == set(EXPECTED)


def test_another_app_in_the_same_process_registers_nothing_twice(app, tmp_path):
    create_app(databases.test_config("sqlite://", tmp_path))
    assert _portal_listeners() == EXPECTED


def test_the_rollup_keeps_the_old_value_of_every_key_attribute(app):
    from sqlalchemy import event

    assert all(
        event.contains(attribute, "set", rollup.keep_old_value)
        for attribute in rollup.KEY_ATTRIBUTES
    )


def test_the_figures_keep_the_old_value_of_every_key_attribute(app):
    from sqlalchemy import event

    assert all(
        event.contains(attribute, "set", touched.keep_old_value)
        for attribute in touched.KEY_ATTRIBUTES
    )
