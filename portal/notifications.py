"""In-app notifications: areas say what happened; each reader sees it in their language.

Areas register message kinds once (`register_kind("plan.returned", _l("…%(period)s…"))`)
and call `notify_*` inside their services; the inbox renders `kind` with its params.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, update

from portal.extensions import db
from portal.models import (
    ApiToken,
    Dealer,
    Notification,
    Role,
    TokenKind,
    User,
    supervisor_regions,
)
from portal.models.base import utcnow

_kinds: dict[str, Any] = {}


def register_kind(kind: str, message: Any) -> None:
    """`message` is a lazy translatable string with %(name)s placeholders for the params."""
    _kinds[kind] = message


def register_counted_kind(kind: str, message: Callable[[dict[str, Any]], str]) -> None:
    """For a message that counts something: `message(params)` returns the finished text,
    e.g. `lambda params: ngettext("%(num)s item", "%(num)s items", params["items"], **params)`."""
    _kinds[kind] = _Counted(message)


@dataclass(frozen=True)
class _Counted:
    text: Callable[[dict[str, Any]], str]


def render(notification: Notification) -> str:
    template = _kinds.get(notification.kind)
    if template is None:
        return notification.kind
    params = dict(notification.params)
    try:
        if isinstance(template, _Counted):
            return template.text(params)
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return notification.kind if isinstance(template, _Counted) else str(template)


def people() -> ColumnElement[bool]:
    """Users who are people: not the service account an API service token acts as (it has
    no one to read an inbox, as it has no mailbox). Every fan-out to a role or a dealer's users
    filters with it."""
    return ~exists().where(ApiToken.user_id == User.id, ApiToken.kind == TokenKind.SERVICE)


def notify_users(users: Iterable[User], kind: str, *, link: str = "", **params: Any) -> int:
    """One notification to each of `users` (chosen by the caller, with `people()`)."""
    count = 0
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link))
        count += 1
    return count


def notify_dealer(dealer_id: int, kind: str, *, link: str = "", **params: Any) -> int:
    """Every active user of one dealer (its people, not its integrations)."""
    users = db.session.scalars(
        select(User).where(User.dealer_id == dealer_id, User.active.is_(True), people())
    )
    return notify_users(users, kind, link=link, **params)


def notify_supervisors_of(dealer_id: int, kind: str, *, link: str = "", **params: Any) -> int:
    """Every active supervisor of the dealer's region (read now, so reassignments count)."""
    region_id = select(Dealer.region_id).where(Dealer.id == dealer_id).scalar_subquery()
    users = db.session.scalars(
        select(User)
        .join(supervisor_regions, supervisor_regions.c.user_id == User.id)
        .where(
            supervisor_regions.c.region_id == region_id,
            User.active.is_(True),
            User.role == Role.SUPERVISOR,
            people(),
        )
    )
    return notify_users(users, kind, link=link, **params)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with None, all) of a user's notifications read."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    result = db.session.execute(query.values(read_at=utcnow()))
    return result.rowcount or 0
