"""User administration. Services flush and log; the view commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import activity
from portal.auth import services as auth
from portal.database import insert_unique
from portal.extensions import db
from portal.mail import outbox
from portal.models import Dealer, Region, Role, User


class UserError(ValueError):
    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def _membership(role: Role, dealer_id: int | None, region_ids: Sequence[int]):
    """Dealer users belong to one dealer; supervisors to one or more regions; admins to none."""
    if role == Role.DEALER:
        dealer = db.session.get(Dealer, dealer_id) if dealer_id else None
        if dealer is None:
            raise UserError("dealer_id", _l("A dealer user must belong to a dealer."))
        return dealer, []
    if role == Role.SUPERVISOR:
        regions = db.session.scalars(select(Region).where(Region.id.in_(region_ids))).all()
        if not regions:
            raise UserError("region_ids", _l("Assign at least one region to a supervisor."))
        return None, list(regions)
    return None, []


def _check_password(password: str, email: str) -> str:
    try:
        return auth.new_password_hash(password, email=email)
    except auth.WeakPassword as error:
        raise UserError("password", str(error)) from None


def _check_email_free(email: str) -> None:
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError("email", _l("A user with this email already exists."))


def create_user(values: Mapping[str, Any], *, must_change_password: bool = True) -> User:
    email = values["email"].strip().lower()
    _check_email_free(email)
    role = Role(values["role"])
    dealer, regions = _membership(role, values.get("dealer_id"), values.get("region_ids") or [])
    user = User(
        email=email,
        name=values["name"],
        role=role,
        dealer=dealer,
        regions=regions,
        locale=values.get("locale") or "en",
        password_hash=_check_password(values["password"], email),
        must_change_password=must_change_password,
    )
    insert_unique(user, lambda: _check_email_free(email))
    activity.record(
        "user.create",
        user,
        details={
            "role": role,
            "dealer": dealer.code if dealer else None,
            "regions": [r.code for r in regions],
        },
    )
    return user


def update_user(user: User, values: Mapping[str, Any], *, acting: User) -> dict[str, Any]:
    role = Role(values["role"])
    if user.id == acting.id and role != Role.ADMIN:
        raise UserError("role", _l("You cannot remove your own administrator role."))
    dealer, regions = _membership(role, values.get("dealer_id"), values.get("region_ids") or [])
    changed = activity.apply_changes(
        user,
        {
            "name": values["name"],
            "role": role,
            "locale": values.get("locale") or user.locale,
            "dealer_id": dealer.id if dealer else None,
        },
    )
    old_regions = sorted(r.code for r in user.regions)
    new_regions = sorted(r.code for r in regions)
    if old_regions != new_regions:
        user.regions = regions
        changed["regions"] = [old_regions, new_regions]
    if changed:
        db.session.flush()
        activity.record("user.update", user, details=changed)
    return changed


def reset_password(user: User, password: str) -> None:
    """Set a temporary password the user must change at next sign-in; end their sessions."""
    user.password_hash = _check_password(password, user.email)
    user.must_change_password = True
    ended = auth.end_sessions(user, "password_reset")
    activity.record("user.reset_password", user, details={"sessions_ended": ended})
    outbox.add(user, "password_reset_by_admin", link="/sign-in")


def set_active(user: User, active: bool, *, acting: User) -> None:
    if user.id == acting.id and not active:
        raise UserError("active", _l("You cannot deactivate yourself."))
    if user.active == active:
        return
    user.active = active
    details: dict[str, Any] = {}
    if not active:
        details["sessions_ended"] = auth.end_sessions(user, "deactivated")
    activity.record("user.activate" if active else "user.deactivate", user, details=details)
