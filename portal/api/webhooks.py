"""Webhooks: events become deliveries in the transaction that made them; deliveries are jobs.

An event is an activity entry of one of the actions below: when the entry is flushed, each
active webhook registered for its event gets a delivery row (its body fixed now) and a job,
in the same transaction, so an event that rolls back sends nothing. After the commit the
jobs are queued. A delivery job posts the body signed with HMAC-SHA256 over the timestamp
and the body; a failed try is recorded (status, error) and tried again by a new job after
a doubling delay, up to WEBHOOK_ATTEMPTS. A delivered one is never sent again.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import activity, clock
from portal.api import outbound
from portal.extensions import db
from portal.jobs import enqueue, finish, task
from portal.models import (
    ActivityEntry,
    DeliveryState,
    Job,
    User,
    Webhook,
    WebhookDelivery,
)
from portal.models.base import utcnow

JOB_KIND = "webhook.deliver"
# activity action → webhook event
ACTION_EVENTS = {
    "sales_plan.submit": "plan.submitted",
    "sales_plan.approve": "plan.approved",
    "sales_plan.return": "plan.returned",
    "store_report.submit": "report.submitted",
    "audit.complete": "audit.completed",
    "action.overdue": "action.overdue",  # logged by the hourly run of portal/audits/overdue.py
    "notice.acknowledge": "notice.acknowledged",
}
EVENTS = sorted(set(ACTION_EVENTS.values()))
SHARED_DETAILS = ("dealer_id", "period", "version")  # what a body tells of its entry
PENDING_JOBS = "webhook_jobs"  # session.info: jobs made in this transaction
QUEUED_IDS = "webhook_job_ids"


def register(*, url: str, events: list[str], description: str, actor: User) -> tuple[Webhook, str]:
    """A new webhook (its URL checked now and at each send); returns it and its secret."""
    outbound.check_url(url, current_app.config)
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(
        url=url.strip(),
        events=[event for event in EVENTS if event in events],
        secret=secret,
        description=description.strip()[:200],
        created_by_id=actor.id,
    )
    db.session.add(hook)
    db.session.flush()
    activity.record(
        "webhook.create", hook, details={"url": hook.url, "events": hook.events}, actor=actor
    )
    return hook, secret


def remove(hook: Webhook, *, actor: User) -> None:
    activity.record("webhook.delete", hook, details={"url": hook.url}, actor=actor)
    db.session.delete(hook)
    db.session.flush()


# Session listeners (registered in portal/events.py)


def queue_events(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: a delivery and a job per subscribed webhook for each new event entry."""
    entries = [
        obj
        for obj in session.new
        if isinstance(obj, ActivityEntry)
        and obj.action in ACTION_EVENTS
        and obj.outcome == "success"
    ]
    if not entries:
        return
    with session.no_autoflush:
        hooks = list(session.scalars(select(Webhook).where(Webhook.active.is_(True))))
    for entry in entries:
        event = ACTION_EVENTS[entry.action]
        for hook in hooks:
            if event in (hook.events or []):
                _new_delivery(session, hook, event, entry)


def _new_delivery(session: Session, hook: Webhook, event: str, entry: ActivityEntry) -> None:
    event_id = uuid.uuid4().hex
    body = {
        "id": event_id,
        "event": event,
        "occurred_at": utcnow().isoformat(),
        "object": {"type": entry.object_type, "id": entry.object_id},
        "details": {
            k: v
            for k, v in (entry.details or {}).items()
            if k in ("dealer_id", "period", "version")
        },
    }
    delivery = WebhookDelivery(
        webhook=hook, event_id=event_id, event=event, body=json.dumps(body, sort_keys=True)
    )
    job = Job(kind=JOB_KIND, payload={}, total=0)
    delivery.job = job
    session.add_all([delivery, job])
    session.info.setdefault(PENDING_JOBS, []).append(job)


def note_job_ids(session: Session, _context: Any) -> None:
    """after_flush: the new jobs have ids now, to be queued after the commit."""
    for job in session.info.pop(PENDING_JOBS, []):
        if job.id is not None:
            session.info.setdefault(QUEUED_IDS, []).append(job.id)


def queue_after_commit(session: Session) -> None:
    """after_commit: put the committed delivery jobs on the queue."""
    ids = session.info.pop(QUEUED_IDS, [])
    if not ids or not has_app_context():
        return
    for job_id in ids:
        try:
            enqueue(JOB_KIND, job_id)
        except Exception:  # the jobs sweep queues a job that never started
            current_app.logger.exception("could not queue webhook job %s", job_id)


def forget(session: Session) -> None:
    session.info.pop(PENDING_JOBS, None)
    session.info.pop(QUEUED_IDS, None)


# The job


@task(JOB_KIND)
def deliver(job: Job) -> None:
    delivery = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.job_id == job.id).with_for_update()
    )
    if delivery is None or delivery.state != DeliveryState.PENDING:
        finish(job)
        return
    hook = delivery.webhook
    status, error = _send(hook, delivery)
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error[:300]
    config = current_app.config
    retry = None
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, utcnow()
        delivery.next_attempt_at = None
    elif delivery.attempts >= int(config["WEBHOOK_ATTEMPTS"]) or not hook.active:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    else:
        delay = int(config["WEBHOOK_RETRY_DELAY_SECONDS"]) * 2 ** (delivery.attempts - 1)
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
        retry = Job(kind=JOB_KIND, payload={}, total=0)
        db.session.add(retry)
        db.session.flush()
        delivery.job_id = retry.id
    finish(job, {"status": status, "error": error[:200]})
    retry_id = retry.id if retry is not None else None
    db.session.commit()
    if retry_id is not None:
        enqueue(JOB_KIND, retry_id, delay=delay)


def _send(hook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str]:
    config = current_app.config
    body = delivery.body.encode()
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "DealerNetworkPortal-Webhook/1",
        "X-Portal-Event": delivery.event,
        "X-Portal-Delivery": delivery.event_id,
        outbound.SIGNATURE_HEADER: outbound.signature(hook.secret, timestamp, body),
    }
    try:
        target = outbound.check_url(hook.url, config)
        status = outbound.post(target, body, headers, float(config["WEBHOOK_TIMEOUT_SECONDS"]))
    except outbound.UrlRefused as refused:
        return None, str(refused.message)
    except (OSError, ValueError) as failure:
        return None, f"{type(failure).__name__}: {failure}"
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def recent_deliveries(limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit))
    )
