"""Events that are mailed: in-app notifications of these kinds become one mail each, to the
same user (who was chosen by the area that notified: the dealer's users, the notice's
audience), rendered when sent in that user's language and only if they may still see it.

Hooked on the session before each flush (registered by portal/events.py), so the areas
keep calling `notify_*` alone.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from sqlalchemy.orm import Session

from portal.mail import kinds, outbox
from portal.models import MailState, Notification, OutgoingMail

# notification kind → mail kind
MAILED = {
    "plan.returned": "plan_returned",
    "plan.approved": "plan_approved",
    "plan.reopened": "plan_reopened",
    "report.returned": "report_returned",
    "report.reviewed": "report_reviewed",
    "audit.completed": "audit_completed",
    "action.reopened": "action_reopened",
    "notice.policy_published": "notice_published",
    "notice.promotion_published": "notice_published",
    "notice.changed": "notice_changed",
    "dealer_file.issued": "dealer_file_issued",
}


def mail_notifications(session: Session, _context: Any, _instances: Any) -> None:
    if not has_app_context() or not outbox.enabled():
        return
    for obj in list(session.new):
        if not isinstance(obj, Notification) or obj.kind not in MAILED:
            continue
        kind = MAILED[obj.kind]
        session.add(
            OutgoingMail(
                user_id=obj.user_id,
                kind=kind,
                topic=kinds.kind_of(kind).topic,
                notification=obj,
                params=dict(obj.params or {}),
                link=(obj.link or "")[:300],
                state=MailState.NEW,
                attempts=0,
                error="",
                to_address="",
                subject="",
            )
        )
        session.info[outbox.WAKE] = True
