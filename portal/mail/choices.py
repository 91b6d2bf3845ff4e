"""Each user's mail choices per topic: right away, in the daily digest, or off."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.mail import kinds
from portal.models import MailMode, MailPreference, User


def preferences_of(user_ids: Iterable[int]) -> dict[tuple[int, str], MailMode]:
    ids = list(set(user_ids))
    found: dict[tuple[int, str], MailMode] = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(MailPreference.user_id, MailPreference.topic, MailPreference.mode).where(
                MailPreference.user_id.in_(ids[start : start + 1000])
            )
        )
        found |= {(row.user_id, row.topic): MailMode(row.mode) for row in rows}
    return found


def effective_mode(topic: str, chosen: MailMode | None) -> MailMode:
    """What a choice means for a topic: account mails always go at once; escalations to staff
    cannot be turned off; no choice means right away."""
    if topic in (kinds.ACCOUNT, kinds.DIGEST):
        return MailMode.IMMEDIATE
    if chosen is None or (chosen == MailMode.OFF and topic in kinds.NEVER_OFF):
        return MailMode.IMMEDIATE
    return chosen


def set_preferences(user: User, choices: dict[str, MailMode]) -> dict[str, list[str]]:
    """Save a user's choices for their topics; returns {topic: [old, new]} that changed."""
    current = {topic: mode for (_u, topic), mode in preferences_of([user.id]).items()}
    changed: dict[str, list[str]] = {}
    for topic in kinds.topics_for(user):
        if topic not in choices:
            continue
        new = choices[topic]
        if new == MailMode.OFF and topic in kinds.NEVER_OFF:
            new = MailMode.IMMEDIATE
        old = effective_mode(topic, current.get(topic))
        if old == new:
            continue
        changed[topic] = [old.value, new.value]
        row = db.session.get(MailPreference, (user.id, topic))
        if row is None:
            db.session.add(MailPreference(user_id=user.id, topic=topic, mode=new))
        else:
            row.mode = new
    db.session.flush()
    return changed


def next_digest_time(now: datetime) -> datetime:
    """The next time digests leave: MAIL_DIGEST_HOUR (UTC) today, or tomorrow once past."""
    hour = int(current_app.config["MAIL_DIGEST_HOUR"])
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)
