"""The mail a region's after-sales contact gets when a complaint is forwarded to them.

`forwarded(complaint)` adds one keyed mail (once per complaint and recipient) for the
region's after-sales user, through their mail choices like any other mail, and one for its
after-sales mailbox when it has one (an address outside the portal: no choices, sent at once,
never to a `.invalid` domain; see portal/mail/compose.py). The complaint's details are read
when the mail is sent (`_details`), so the outbox keeps no customer's contact in its params.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.complaints import deadlines
from portal.extensions import db
from portal.mail import outbox
from portal.mail.compose import NotForRecipient, Recipient, builder
from portal.models import Complaint, OutgoingMail

KIND = "complaint_forwarded"


def forwarded(complaint: Complaint) -> int:
    """Queue the forwarded complaint's mails; returns how many were added. Flushes."""
    region = complaint.region
    link = f"/complaints/{complaint.id}"
    params = {
        "complaint_id": complaint.id,
        "reference": complaint.reference,
        "store": complaint.store.name,
        "dealer": f"{complaint.dealer.code} {complaint.dealer.name}",
        "dealer_id": complaint.dealer_id,
    }
    added = 0
    user = region.after_sales_user
    if user is not None and user.active:
        key = f"{KIND}:{complaint.id}:{user.id}"
        added += outbox.add(user, KIND, key=key, link=link, params=params) is not None
    if region.after_sales_email:
        key = f"{KIND}:{complaint.id}:mailbox"
        mailbox_params = {k: v for k, v in params.items() if k != "dealer_id"}
        mail = outbox.add_to(
            region.after_sales_email, KIND, key=key, link=link, params=mailbox_params
        )
        added += mail is not None
    return added


@builder(KIND)
def _details(mail: OutgoingMail, recipient: Recipient, context: dict[str, Any]) -> None:
    """The complaint as it stands when the mail is sent, in the recipient's language."""
    complaint = db.session.get(Complaint, mail.params.get("complaint_id") or 0)
    if complaint is None:
        raise NotForRecipient
    zone = deadlines.zone_of(complaint.region.timezone)

    def local(instant: datetime | None) -> str:
        if instant is None:
            return "—"
        return f"{instant.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"

    severity = complaint.severity.label
    if complaint.serious_kind is not None:
        severity = f"{severity} · {complaint.serious_kind.label}"
    context.update(
        reference=complaint.reference,
        store=f"{complaint.store.code} {complaint.store.name}",
        dealer=f"{complaint.dealer.code} {complaint.dealer.name}",
        category=complaint.category.label,
        severity=severity,
        channel=complaint.channel.label,
        product_line=complaint.product_line.label if complaint.product_line else "",
        description=complaint.description,
        customer_name=complaint.customer_name,
        customer_phone=complaint.customer_phone,
        customer_email=complaint.customer_email,
        received=local(complaint.received_at),
        forward_due=local(complaint.forward_due_at),
        resolve_due=local(complaint.resolve_due_at),
    )
