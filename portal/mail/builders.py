"""Template context that a kind needs beyond its stored params, read when the mail is sent
(so it shows the latest state, and nothing the recipient may no longer see)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import audits as audit_access
from portal.auth import reset
from portal.extensions import db
from portal.mail.compose import NotForRecipient, absolute, builder
from portal.mail.kinds import page_of
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
