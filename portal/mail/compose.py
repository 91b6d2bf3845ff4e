"""A mail as its recipient reads it: subject, plain text and HTML from one template, in their
language, with a link back to the page; then the message with safe headers.

Each kind has one template, `templates/mail/<kind>.html`, rendered three times with `part`
set to "subject", "text" and "html" (macros in mail/_macros.html write a paragraph or a link
either way). Rendering is autoescaped every time, so user text is inert in the HTML part; the
text part is unescaped afterwards, which gives back exactly what was written.

A recipient is a user, or a `Mailbox` outside the portal (a region's after-sales address):
a mailbox sees only the kinds registered for mailboxes, in the portal's default language,
with no page check (it is no one the portal's rules know) but never at a `.invalid` address.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from portal import notifications
from portal.mail import kinds
from portal.models import OutgoingMail, User
from portal.models.base import utcnow

# Headers stay on one line up to the standard's limit (998): Python folds a long subject
# right after "Subject:", which some readers then show with a leading space.
POLICY = SMTP.clone(max_line_length=998)
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
SUBJECT_MAX = 200


class NotForRecipient(Exception):
    """The recipient may no longer see what the mail is about (or it is gone): not sent."""


@dataclass(frozen=True)
class Mailbox:
    """A recipient that is an address, not a user of the portal."""

    email: str
    name: str = ""
    locale: str | None = None


Recipient = User | Mailbox


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


# Extra template context per kind: `builder(mail, user, context)` adds to the context or
# raises NotForRecipient.
Builder = Callable[[OutgoingMail, Recipient, dict[str, Any]], None]
BUILDERS: dict[str, Builder] = {}


def builder(kind: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        BUILDERS[kind] = function
        return function

    return register


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line for a header: CR, LF and other control characters become spaces (no header
    injection from user text, S23), runs of spaces one."""
    return " ".join(CONTROL.sub(" ", value or "").split())[:limit]


def absolute(path: str) -> str:
    return current_app.config["MAIL_BASE_URL"] + (path or "/home")


def preferences_url() -> str:
    """Where a recipient turns a kind of mail off or into the digest (List-Unsubscribe)."""
    return absolute("/account/mail")


def recipient_of(mail: OutgoingMail, user: User | None) -> Recipient:
    """Who a mail goes to: its user, or the mailbox of a mail that has none."""
    if mail.user_id is None:
        return Mailbox(mail.to_address)
    if user is None:
        raise NotForRecipient
    return user


def _allowed(mail: OutgoingMail, recipient: Recipient) -> bool:
    if isinstance(recipient, Mailbox):
        return kinds.kind_of(mail.kind).to_mailboxes and kinds.has_mailbox(recipient.email)
    return kinds.may_receive(recipient, mail.link, mail.params)


def context_for(mail: OutgoingMail, user: Recipient, *, redact: bool = False) -> dict[str, Any]:
    """What the kind's template sees; NotForRecipient when the rules say no (S23)."""
    if not _allowed(mail, user):
        raise NotForRecipient
    context: dict[str, Any] = {
        **mail.params,
        "mail": mail,
        "user": user,
        "link": absolute(mail.link),
        "preferences_link": preferences_url(),
        "topic": mail.topic,
        "topic_label": kinds.TOPIC_LABELS.get(mail.topic, ""),
        "redact": redact,
        "mailbox": isinstance(user, Mailbox),
        # An event's own sentence, as the inbox shows it: the subject of its mail.
        "headline": notifications.render(mail.notification) if mail.notification else "",
    }
    build = BUILDERS.get(mail.kind)
    if build is not None:
        build(mail, user, context)
    return context


def render(kind: str, context: dict[str, Any]) -> Composed:
    """The three parts of one kind's template (in the locale already forced)."""
    template = f"mail/{kind}.html"
    subject = header_text(html.unescape(render_template(template, part="subject", **context)))
    text = _tidy(html.unescape(render_template(template, part="text", **context)))
    body = render_template(template, part="html", **context)
    return Composed(subject, text, body)


def subject_of(mail: OutgoingMail, user: Recipient) -> str:
    """Only the subject (a digest's line for this mail), in the locale already forced."""
    context = context_for(mail, user)
    return header_text(
        html.unescape(render_template(f"mail/{mail.kind}.html", part="subject", **context))
    )


def compose(mail: OutgoingMail, user: Recipient, *, redact: bool = False) -> Composed:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render(mail.kind, context_for(mail, user, redact=redact))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy = "\n".join(line.lstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", tidy) + "\n"


def message_for(mail: OutgoingMail, user: Recipient, composed: Composed) -> EmailMessage:
    """The message as sent: multipart/alternative, addressed to the user, headers one line."""
    config = current_app.config
    sender_name, sender_address = parseaddr(config["MAIL_SENDER"])
    message = EmailMessage(policy=POLICY)
    message["Subject"] = composed.subject
    message["From"] = Address(header_text(sender_name), addr_spec=header_text(sender_address))
    message["To"] = Address(header_text(user.name, 100), addr_spec=header_text(user.email, 254))
    message["Date"] = format_datetime(utcnow())
    domain = sender_address.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<portal-mail-{mail.id}@{header_text(domain, 100)}>"
    if not isinstance(user, Mailbox):  # a mailbox has no choices to make
        message["List-Unsubscribe"] = f"<{preferences_url()}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(composed.text)  # clears Content-* headers: the language comes after
    message.add_alternative(composed.html, subtype="html")
    message["Content-Language"] = (user.locale or "en").replace("_", "-")
    return message
