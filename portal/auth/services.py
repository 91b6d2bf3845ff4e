"""Sign-in, sign-out and password changes. Services flush; the view commits.

Other areas reach passwords and sessions through here (`new_password_hash`, `end_sessions`,
`WeakPassword`), never through auth's own modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import activity
from portal.access import may_sign_in
from portal.auth import passwords, sessions, throttle
from portal.auth.passwords import WeakPassword
from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow


class SignInThrottled(Exception):
    """Too many recent failures for this account or address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class AccessEnded(Exception):
    """The right password, but the user's dealer no longer trades with us (terminated or
    deactivated): said only to someone who knows the password."""


class WrongPassword(Exception):
    """The current password given to confirm a change is wrong."""

    def __init__(self, *, session_ended: bool = False) -> None:
        super().__init__(session_ended)
        self.session_ended = session_ended


@dataclass(frozen=True)
class SignIn:
    user: User
    token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def sign_in(*, email: str, password: str, ip_address: str, user_agent: str) -> SignIn | None:
    """Check credentials; on success start a session. Unknown, wrong and inactive look alike."""
    email = normalise_email(email)
    user = find_user_by_email(email)
    known = user is not None and sessions.signed_in_from(user, ip_address)
    verdict = throttle.begin_attempt(email, ip_address, known_address=known)
    if not verdict.allowed:
        activity.record("auth.sign_in", outcome="throttled", details={"email": email})
        raise SignInThrottled(verdict.retry_after)
    if user is None:
        passwords.burn_verification(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and user.active
    if not ok or user is None:
        activity.record("auth.sign_in", user, outcome="failure", details={"email": email})
        return None
    throttle.forgive(email, ip_address)
    if not may_sign_in(user):
        activity.record("auth.sign_in", user, actor=user, outcome="denied")
        raise AccessEnded
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_sign_in_at = utcnow()
    token = sessions.start_session(user, ip_address=ip_address, user_agent=user_agent)
    activity.record("auth.sign_in", user, actor=user)
    db.session.flush()
    return SignIn(user=user, token=token)


def sign_out(user: User, record: UserSession | None) -> None:
    if record is not None:
        sessions.end_session(record, "signed_out")
    activity.record("auth.sign_out", user, actor=user)


def change_password(
    user: User, *, current: str, new: str, keep: UserSession | None, ip_address: str
) -> None:
    """Set a new password after checking the current one; end every other session.

    The current password is throttled like a sign-in, on the same counters; when this address
    may not try again, the session asking ends too (a stolen session cannot go on guessing).
    """
    email = normalise_email(user.email)
    known = sessions.signed_in_from(user, ip_address)
    verdict = throttle.begin_attempt(email, ip_address, known_address=known)
    if not verdict.allowed or not passwords.verify_password(user.password_hash, current):
        outcome = "failure" if verdict.allowed else "throttled"
        activity.record("auth.change_password", user, outcome=outcome)
        ending = not verdict.allowed or verdict.last_chance
        if ending and keep is not None:
            sessions.end_session(keep, "password_failures")
        raise WrongPassword(session_ended=ending)
    throttle.forgive(email, ip_address)
    passwords.check_new_password(new, email=user.email)
    if passwords.verify_password(user.password_hash, new):
        raise WeakPassword(_("The new password must differ from the current one."))
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    ended = sessions.end_sessions_of(user, "password_changed", keep=keep)
    activity.record("auth.change_password", user, details={"sessions_ended": ended})


def new_password_hash(password: str, *, email: str) -> str:
    """The hash of a new password for the account `email`; WeakPassword (saying why) unless it
    passes the password rules."""
    passwords.check_new_password(password, email=email)
    return passwords.hash_password(password)


def end_sessions(user: User, reason: str) -> int:
    """End every open session of `user` (`reason` is recorded on each); how many ended."""
    return sessions.end_sessions_of(user, reason)


def end_own_session(user: User, session_id: int) -> bool:
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id or record.ended_at is not None:
        return False
    sessions.end_session(record, "ended_by_user")
    activity.record("auth.end_session", user, details={"session": session_id})
    return True


def end_other_sessions(user: User, *, keep: UserSession | None) -> int:
    ended = sessions.end_sessions_of(user, "ended_by_user", keep=keep)
    activity.record("auth.end_session", user, details={"sessions_ended": ended})
    return ended


def set_locale(user: User, locale: str) -> None:
    """Remember the language a user chose; it follows them to every device."""
    if user.locale != locale:
        user.locale = locale
