"""argon2id password hashing with parameters from config, and the rules for new passwords
(check S10)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

from portal.auth import strength

_hashers: dict[tuple[int, int, int], PasswordHasher] = {}
_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _hasher() -> PasswordHasher:
    config = current_app.config
    key = (config["ARGON2_MEMORY_KIB"], config["ARGON2_TIME_COST"], config["ARGON2_PARALLELISM"])
    if key not in _hashers:
        _hashers[key] = PasswordHasher(
            memory_cost=key[0], time_cost=key[1], parallelism=key[2], type=Type.ID
        )
    return _hashers[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_verification(password: str) -> None:
    """Spend the same time as a real check, so unknown emails answer like wrong passwords."""
    hasher = _hasher()
    key = (hasher.memory_cost, hasher.time_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not-a-real-password-0000")
    verify_password(_dummy_hashes[key], password)


class WeakPassword(ValueError):
    """A new password that the portal refuses, with the reason as its message."""


def check_new_password(password: str, *, email: str) -> None:
    """Raise WeakPassword, saying why, unless `password` is long enough and hard to guess.

    Every way of choosing a password passes here: the change-password form, the admin's
    new-user and reset forms, `flask create-user`. Demo and test accounts get their hashes
    directly and never do."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise WeakPassword(_("Use at least %(count)d characters.", count=minimum))
    if len(password) > 256:
        raise WeakPassword(_("Use at most 256 characters."))
    reason = strength.weakness(
        password, email=email, minimum_score=current_app.config["PASSWORD_MIN_STRENGTH"]
    )
    if reason is not None:
        raise WeakPassword(reason)
