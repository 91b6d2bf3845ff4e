"""Outbound webhook requests (S24): https only, to public addresses only, no redirects.

The host is resolved once and the connection made to the address that was checked (a DNS
answer cannot switch to 127.0.0.1 between the check and the request), with TLS verified
against the host name. Loopback, link-local, private and reserved addresses are refused
unless WEBHOOK_ALLOW_PRIVATE is set (tests, an intranet receiver); plain http only with
WEBHOOK_ALLOW_HTTP. Redirects are answers like any other: never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

SIGNATURE_HEADER = "X-Portal-Signature"


class UrlRefused(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, config: Any) -> Target:
    """Where a webhook may send, with the checked address; UrlRefused otherwise."""
    parts = urlsplit(url.strip())
    allowed = {"https", "http"} if config["WEBHOOK_ALLOW_HTTP"] else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise UrlRefused(_l("Use an https:// address."))
    if parts.username or parts.password:
        raise UrlRefused(_l("Leave user names and passwords out of the address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise UrlRefused(_l("This host name cannot be resolved.")) from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    if not config["WEBHOOK_ALLOW_PRIVATE"] and not all(a.is_global for a in addresses):
        raise UrlRefused(
            _l("This address is private, loopback or link-local: webhooks go to public hosts.")
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>` (the receiver recomputes it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, verifying the certificate for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(raw, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST once; the status (a redirect is just a status). Raises OSError on failure."""
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
