"""Sending: route new mails, release held ones, then claim due mails in batches and send each
batch over one connection. Run by the queue's workers (portal/mail/queue.py), never by a
web request. Each mail commits as it goes, so a crash loses at most the one being sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app

from portal.extensions import db
from portal.mail import compose, outbox, transport
from portal.models import OutgoingMail, User

logger = logging.getLogger(__name__)
REDACTED = "[…]"


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    retry_in: list[float] = field(default_factory=list)  # delays of mails put back


def prepare() -> None:
    """Route new mails and release held ones whose time came. Commits."""
    while outbox.route():
        db.session.commit()
    outbox.fold()
    db.session.commit()


def deliver_due(*, max_batches: int | None = None) -> Tally:
    """Send every mail that is due now; returns what happened. Commits."""
    tally = Tally()
    size = int(current_app.config["MAIL_BATCH"])
    batches = 0
    while max_batches is None or batches < max_batches:
        mails = outbox.claim(size)
        if not mails:
            break
        batches += 1
        _send_batch(mails, tally)
    return tally


def _send_batch(mails: list[OutgoingMail], tally: Tally) -> None:
    try:
        with transport.open_transport() as channel:
            for index, mail in enumerate(mails):
                try:
                    _send_one(mail, channel, tally)
                except transport.Unavailable as error:
                    _put_back(mails[index:], str(error), tally)
                    return
    except transport.Unavailable as error:  # could not even connect: all wait
        _put_back(mails, str(error), tally)


def _put_back(mails: list[OutgoingMail], error: str, tally: Tally) -> None:
    db.session.rollback()
    for mail in mails:
        mail = db.session.get(OutgoingMail, mail.id)
        if mail is None:
            continue
        delay = outbox.mark_failed(mail, error or "Unavailable", final=False)
        if delay is None:
            tally.failed += 1
        else:
            tally.retry_in.append(delay)
    db.session.commit()


def _send_one(mail: OutgoingMail, channel, tally: Tally) -> None:
    found = db.session.get(User, mail.user_id) if mail.user_id is not None else None
    try:
        user = compose.recipient_of(mail, found)
        composed = compose.compose(mail, user)
    except compose.NotForRecipient:
        outbox.mark_cancelled(mail, "not for the recipient")
        tally.cancelled += 1
        db.session.commit()
        return
    except Exception:
        logger.exception("mail %s (%s) could not be rendered", mail.id, mail.kind)
        db.session.rollback()
        mail = db.session.get(OutgoingMail, mail.id)
        outbox.mark_failed(mail, "RenderError", final=True)
        tally.failed += 1
        db.session.commit()
        return
    try:
        message = compose.message_for(mail, user, composed)
    except (ValueError, TypeError):  # an address the mail system cannot carry
        outbox.mark_failed(mail, "BadAddress", final=True)
        tally.failed += 1
        db.session.commit()
        return
    try:
        channel.send(message)
    except transport.Refused as error:
        delay = outbox.mark_failed(mail, str(error), final=error.permanent)
        if delay is None:
            tally.failed += 1
        else:
            tally.retry_in.append(delay)
        db.session.commit()
        return
    if channel.keeps_copies:
        _keep_copy(mail, user, composed)
    outbox.mark_sent(mail, to_address=user.email, subject=composed.subject)
    tally.sent += 1
    db.session.commit()


def _keep_copy(mail: OutgoingMail, user: compose.Recipient, composed: compose.Composed) -> None:
    """The demo outbox keeps what was "sent"; a kind whose link must reach nobody but the
    recipient (a password reset) is kept without it."""
    from portal.mail import kinds

    if kinds.kind_of(mail.kind).redact_in_outbox:
        composed = compose.compose(mail, user, redact=True)
    mail.body_text, mail.body_html = composed.text, composed.html
