"""Static files: fingerprinted URLs cached for a year, and never a session cookie.

Templates link static files with `static_url('css/portal.css')` (or
`static_url('js/bootstrap.min.js', 'bootstrap.static')`), which appends `?v=<content hash>`.
A request whose `v` matches the file's current content is answered with
`Cache-Control: public, max-age=31536000, immutable`: a changed file gets a new URL, so a
browser never keeps a stale copy. Other static requests keep Flask's `no-cache` (revalidate
with the ETag). Static responses never carry the session cookie nor `Vary: Cookie`, so shared
caches may keep them and signing in does not change them.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
FINGERPRINT_LENGTH = 16


def is_static_request() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


class StaticlessSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left out of static responses (no Set-Cookie, no Vary)."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if is_static_request():
            return
        super().save_session(app, session, response)


def _folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """The content hash of a file, computed once per (path, modification time, size)."""
    del mtime_ns, size  # part of the cache key only: a changed file is hashed again
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            sha.update(chunk)
    return sha.hexdigest()[:FINGERPRINT_LENGTH]


def fingerprint(filename: str, endpoint: str = "static") -> str | None:
    """The file's content hash, or None when there is no such file.

    Outside debug mode the files change only with a new release (a restart), so the answer
    is kept per file: a page links a dozen of them and each look cost three system calls.
    In debug mode a file edited while the server runs gets its new hash on the next page."""
    folder = _folder(endpoint)
    if folder is None:
        return None
    if current_app.debug:
        return _fingerprint_now(folder, filename)
    return _fingerprint_kept(folder, filename)


@lru_cache(maxsize=1024)
def _fingerprint_kept(folder: str, filename: str) -> str | None:
    return _fingerprint_now(folder, filename)


def _fingerprint_now(folder: str, filename: str) -> str | None:
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def static_url(filename: str, endpoint: str = "static") -> str:
    """The URL of a static file with its fingerprint (`?v=`), for long-lived caching."""
    version = fingerprint(filename, endpoint)
    if version is None:
        return url_for(endpoint, filename=filename)
    return url_for(endpoint, filename=filename, v=version)


def _cache_headers(response: Response) -> Response:
    if not is_static_request():
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if (
        response.status_code in (200, 304)
        and version
        and version == fingerprint(filename, request.endpoint or "static")
    ):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def register_static_files(app: Flask) -> None:
    app.session_interface = StaticlessSessionInterface()
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_cache_headers)
