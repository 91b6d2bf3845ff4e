"""Signed-in test clients without the sign-in form, for suites that test what comes after it.

A real sign-in checks an argon2id hash (~30-50 ms); suites that sign in hundreds of times
start the server-side session directly instead. Sign-in itself is tested through the form.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from portal.auth import sessions
from portal.extensions import db
from portal.models import User


def signed_in_client(app: Flask, user: User) -> FlaskClient:
    """A new client (its own cookie jar) holding a live session of `user`."""
    return sign_in_directly(app.test_client(), user)


def sign_in_directly(client: FlaskClient, user: User) -> FlaskClient:
    """Give `client` a live session of `user`, as a successful sign-in would."""
    token = sessions.start_session(user, ip_address="127.0.0.1", user_agent="test client")
    db.session.commit()
    with client.session_transaction() as session:
        session.permanent = True
        session[sessions.SESSION_KEY] = token
    return client
