"""Request ids, security headers and client addresses (checks S13, S17)."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.logs import current_request_id, new_request_id, trusted_request_id

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",  # the offline audits' service worker, served at /sw.js
        "manifest-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security(app: Flask) -> None:
    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # First of all hooks, so errors raised by earlier ones (CSRF, 413) carry an id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    app.after_request(_set_headers)


def _assign_request_id() -> None:
    """The proxy's `X-Request-ID` when it is trusted and looks like an id, else a new one."""
    incoming = trusted_request_id(
        request.headers.get("X-Request-ID"), trusted=bool(current_app.config["TRUST_REQUEST_ID"])
    )
    g.request_id = incoming or new_request_id()


request_id = current_request_id  # the one request id (portal/logs.py)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    if not _is_static() and (current_user.is_authenticated or response.status_code >= 400):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site paths: `/x` yes; `//evil`, `/\\evil`, `https://evil` and `javascript:` no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    return (
        not any(ch in target for ch in ("\\", "\r", "\n", "\t"))
        and "://" not in target.split("?")[0]
    )
