"""S21: the current password asked to change it is throttled like a sign-in, on the same
counters, and repeated failures end the session asking."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import ActivityEntry, Role, UserSession
from tests.support.factories import PASSWORD, make_user

LIMIT = 5  # SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS


def _change(client, current: str, new: str = "a-new-secret-phrase"):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": new},
    )


def _end_reasons(user) -> list[str | None]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession.end_reason)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.id)
        )
    )


def test_repeated_wrong_current_passwords_end_the_session(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    old_hash = user.password_hash

    answers = [_change(client, f"guess-{n}") for n in range(LIMIT)]

    assert [a.status_code for a in answers] == [200] * (LIMIT - 1) + [302]
    assert answers[-1].headers["Location"] == "/sign-in"
    assert client.get("/account").status_code == 302  # signed out
    assert _end_reasons(user) == ["password_failures"]
    db.session.refresh(user)
    assert user.password_hash == old_hash
    outcomes = db.session.scalars(
        select(ActivityEntry.outcome).where(ActivityEntry.action == "auth.change_password")
    ).all()
    assert outcomes == ["failure"] * LIMIT


def test_the_right_current_password_clears_the_count(client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    for n in range(LIMIT - 1):
        _change(client, f"guess-{n}")

    assert _change(client, PASSWORD).status_code == 302
    for n in range(LIMIT - 1):
        assert _change(client, f"again-{n}", new="another-secret-phrase").status_code == 200

    assert _change(client, "a-new-secret-phrase", new="another-secret-phrase").status_code == 302
    assert client.get("/account").status_code == 200


def test_failed_sign_ins_and_current_password_checks_share_one_count(app, client, auth):
    user = make_user(Role.DEALER)
    auth.sign_in(user)
    other = app.test_client()
    for n in range(LIMIT - 1):  # guesses at the sign-in page from the same address
        other.post("/sign-in", data={"email": user.email, "password": f"guess-{n}"})

    response = _change(client, "one-more-guess")

    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert _end_reasons(user) == ["password_failures"]
