"""Template context that a kind needs beyond its stored params, read when the mail is sent
(so it shows the latest state, and nothing the recipient may no longer see)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import audits as audit_access
from portal.auth import reset
from portal.extensions import db
from portal.mail import compose, outbox
from portal.mail.compose import NotForRecipient, absolute, builder
from portal.mail.kinds import TOPIC_LABELS, page_of
from portal.models import CorrectiveAction, OutgoingMail, User


def _object_id(mail: OutgoingMail, argument: str) -> int:
    page = page_of(mail.link)
    if page is None or argument not in page[1]:
        raise NotForRecipient
    return int(page[1][argument])


@builder("password_reset")
def _password_reset(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    link = reset.link_for(mail)
    if link is None:  # the seed went with an earlier try: the link cannot be made again
        raise NotForRecipient
    context["reset_link"] = absolute(link)


@builder("audit_completed")
def _audit_completed(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    """The score is in the params; the actions it assigned are read now (with their due
    dates and any changes since), those the recipient may see."""
    audit_id = _object_id(mail, "audit_id")
    actions = db.session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.audit_id == audit_id)
        .options(joinedload(CorrectiveAction.item))
        .order_by(CorrectiveAction.id)
    ).all()
    context["actions"] = [
        (
            f"{action.item.code} {action.item.label} · {action.due_on.isoformat()}",
            absolute(f"/actions/{action.id}"),
        )
        for action in actions
        if audit_access.can_view_action(user, action)
    ]
    context["pdf_link"] = absolute(f"/audits/{audit_id}/report")


@builder("action_reopened")
def _action_reopened(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    action = db.session.get(CorrectiveAction, _object_id(mail, "action_id"))
    if action is None:
        raise NotForRecipient
    context["due_on"] = action.due_on.isoformat()


@builder("escalation")
def _escalation(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    params = mail.params
    what = {
        "plan_due": lambda: _("The sales plan for %(period)s", period=params.get("period")),
        "report_due": lambda: _(
            "The report of %(store)s for %(period)s",
            store=params.get("store"),
            period=params.get("period"),
        ),
        "action_due": lambda: _(
            "Corrective action #%(id)s in %(store)s",
            id=params.get("action"),
            store=params.get("store"),
        ),
    }.get(params.get("item_kind", ""))
    if what is None:
        raise NotForRecipient
    context["what"] = what()


@builder("digest")
def _digest(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    """The digest lists each bundled mail by its subject and link, grouped by topic; items the
    recipient may no longer see are left out (and marked not sent)."""
    entries: list[tuple[str, str, str]] = []
    for item in outbox.bundled_in(mail):
        try:
            subject = compose.subject_of(item, user)
        except NotForRecipient:
            outbox.mark_cancelled(item, "not for the recipient")
            continue
        item.subject = subject[:300]
        entries.append((item.topic, subject, absolute(item.link)))
    if not entries:
        raise NotForRecipient
    groups: dict[str, list[tuple[str, str]]] = {}
    for topic, subject, link in entries:
        groups.setdefault(topic, []).append((subject, link))
    context["entries"] = entries
    context["groups"] = [
        (str(TOPIC_LABELS.get(topic, "")), rows) for topic, rows in sorted(groups.items())
    ]
