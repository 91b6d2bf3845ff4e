"""Template context that a kind needs beyond its stored params, read when the mail is sent
(so it shows the latest state, and nothing the recipient may no longer see)."""

from __future__ import annotations

from typing import Any

from portal.auth import reset
from portal.mail.compose import NotForRecipient, absolute, builder
from portal.models import OutgoingMail, User


@builder("password_reset")
def _password_reset(mail: OutgoingMail, user: User, context: dict[str, Any]) -> None:
    link = reset.link_for(mail)
    if link is None:  # the seed went with an earlier try: the link cannot be made again
        raise NotForRecipient
    context["reset_link"] = absolute(link)
