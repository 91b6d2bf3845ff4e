"""Fixtures for the API suite: tokens for users, and clients that send them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.api import services
from portal.extensions import db
from portal.models import User


def make_token(user: User, *, read_only: bool = False, days: int = 30, name: str = "test") -> str:
    """A committed personal token of `user`; returns its secret."""
    _token, secret = services.create_personal_token(
        user, name=name, days=days, read_only=read_only, max_days=366
    )
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_for() -> Callable[..., str]:
    return make_token
