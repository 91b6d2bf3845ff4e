"""Bearer authentication and per-token rate limits for `/api/` requests (S22).

`authenticate` runs before the access rules (create_app registers it just ahead of
`enforce_access_rules`). For an API request it never reads the session cookie: the request's
user is the bearer token's user, or nobody. So a browser's session cannot drive the API,
and the API needs no CSRF token. Once the user is set, the endpoint's declared rule and the
access module's loaders decide everything, exactly as for pages.

A token's requests are counted per fixed window in `sign_in_counters` (scope "api"), one
atomic upsert on a short transaction of its own, so every worker and node shares one count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.access import is_read_only, is_static_endpoint, may_sign_in, rule_for
from portal.api.problems import problem_response
from portal.api.services import SECRET_PREFIX, digest
from portal.database import SAFE_METHODS, write_intent
from portal.extensions import db
from portal.models import ApiToken, SignInCounter
from portal.models.base import utcnow

API_PATH = "/api/"
RATE_SCOPE = "api"
TOUCH_INTERVAL = timedelta(seconds=60)
CHALLENGE = 'Bearer realm="portal"'
INVALID = _l("The token is unknown, expired or revoked.")
SECRET_MAX = 100


def is_api_request() -> bool:
    return request.path.startswith(API_PATH)


def current_token() -> ApiToken | None:
    return g.get("api_token")


def authenticate():
    """Before each request: for the API, set the user from the bearer token or refuse."""
    if not is_api_request():
        return None
    # Whatever happens below, the session cookie is not consulted for this request.
    g._login_user = current_app.login_manager.anonymous_user()
    endpoint = request.endpoint
    if endpoint is None or is_static_endpoint(endpoint):
        return None
    rule = rule_for(endpoint)
    if rule is None or rule.public:
        return None  # enforce_access_rules refuses undeclared endpoints
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return _unauthorized(_l("Send an API token: Authorization: Bearer <token>."))
    now = utcnow()
    token_id, wait = count_request(secret, now)
    found = db.session.get(ApiToken, token_id) if token_id is not None else None
    if found is None or not found.is_live(now):
        return _unauthorized(INVALID, error="invalid_token")
    user = found.user
    if not user.active or not may_sign_in(user):
        return _unauthorized(INVALID, error="invalid_token")
    if wait:
        detail = _l("Too many requests with this token. Try again in %(seconds)d s.", seconds=wait)
        return problem_response(429, detail, headers={"Retry-After": str(wait)})
    refused = _refused_write(found, user)
    if refused is not None:
        return refused
    if user.must_change_password:
        return problem_response(403, _l("This account must choose a new password first."))
    g._login_user = user
    g.api_token = found
    return None


def _unauthorized(detail, *, error: str | None = None):
    challenge = CHALLENGE + (f', error="{error}"' if error else "")
    return problem_response(401, detail, headers={"WWW-Authenticate": challenge})


def _refused_write(token: ApiToken, user) -> object | None:
    if request.method in SAFE_METHODS:
        return None
    if token.read_only:
        return problem_response(
            403,
            _l("This token is read-only."),
            headers={"WWW-Authenticate": CHALLENGE + ', error="insufficient_scope"'},
        )
    if is_read_only(user):
        return problem_response(
            403, _l("Your dealer is suspended: the API can read but not change anything.")
        )
    return None


def count_request(secret: str, now: datetime) -> tuple[int | None, int]:
    """Find the live token of `secret` and count one request for it: (its id or None, the
    seconds to wait when it is over its limit, else 0).

    Runs on a connection of its own and commits at once, before the request's transaction
    begins: the count survives whatever the request does next (an invalid write rolled back
    still counts), and on SQLite it never waits for a lock its own request holds.
    """
    if not secret.startswith(SECRET_PREFIX) or len(secret) > SECRET_MAX:
        return None, 0
    config = current_app.config
    window = int(config["API_RATE_WINDOW_SECONDS"])
    slot = int(now.timestamp()) // window
    tokens = ApiToken.__table__
    with write_intent(), db.engine.begin() as connection:
        row = connection.execute(
            select(tokens.c.id, tokens.c.expires_at, tokens.c.revoked_at).where(
                tokens.c.token_hash == digest(secret)
            )
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None, 0
        used = _count(connection, f"token:{row.id}:", slot, now)
        connection.execute(
            update(tokens)
            .where(
                tokens.c.id == row.id,
                or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at < now - TOUCH_INTERVAL),
            )
            .values(last_used_at=now, last_used_ip=(request.remote_addr or "")[:64])
        )
    if used <= int(config["API_RATE_LIMIT"]):
        return row.id, 0
    return row.id, max(1, math.ceil((slot + 1) * window - now.timestamp()))


def _count(connection, prefix: str, slot: int, now: datetime) -> int:
    """One more request in this window for `prefix`: an atomic upsert returning the count."""
    table = SignInCounter.__table__
    key = f"{prefix}{slot}"
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    upsert = (
        insert(table)
        .values(scope=RATE_SCOPE, key=key, failures=1, last_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.scope, table.c.key],
            set_={"failures": table.c.failures + 1, "last_at": now},
        )
        .returning(table.c.failures)
    )
    used = connection.execute(upsert).scalar_one()
    if used == 1:  # a new window: drop this token's older ones
        connection.execute(
            delete(table).where(
                table.c.scope == RATE_SCOPE, table.c.key.like(f"{prefix}%"), table.c.key != key
            )
        )
    return used
