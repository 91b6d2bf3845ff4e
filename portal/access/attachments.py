"""Who may download an attachment: decided by the record that owns it.

Each area registers a rule for its owner type (`@attachment_rule("store_report")`); an
attachment whose owner type has no rule is visible to nobody.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort

from portal.extensions import db
from portal.models import Attachment, User

AttachmentRule = Callable[[User, Attachment], bool]
_rules: dict[str, AttachmentRule] = {}


def attachment_rule(owner_type: str) -> Callable[[AttachmentRule], AttachmentRule]:
    def register(rule: AttachmentRule) -> AttachmentRule:
        _rules[owner_type] = rule
        return rule

    return register


def can_view_attachment(user: User, attachment: Attachment) -> bool:
    rule = _rules.get(attachment.owner_type)
    return rule is not None and rule(user, attachment)


def get_attachment_or_404(user: User, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_attachment(user, attachment):
        abort(404)
    return attachment
