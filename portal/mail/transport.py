"""Where mail goes: an SMTP server (STARTTLS, then authentication), or the demo outbox.

A transport is opened once per batch, so one worker sends many mails over one connection.
Errors are sorted into those that end the batch (the server is unreachable or refuses us:
every mail waits for a retry) and those of one message (refused for good, or for now).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from flask import current_app


class Unavailable(Exception):
    """The server cannot be reached or will not talk to us now: retry the whole batch."""


class Refused(Exception):
    """The server refused this message: for good (`permanent`) or for now."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code
        self.permanent = 500 <= code < 600


class SmtpTransport:
    """One connection to PORTAL_MAIL_SERVER for a batch of messages."""

    keeps_copies = False

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        config = self.config
        try:
            connection = smtplib.SMTP(
                config["MAIL_SERVER"],
                int(config["MAIL_PORT"]),
                timeout=float(config["MAIL_TIMEOUT_SECONDS"]),
            )
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(type(error).__name__) from error
        try:
            connection.ehlo()
            if config["MAIL_USE_TLS"]:
                context = ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)
                connection.starttls(context=context)
                connection.ehlo()
            if config.get("MAIL_USERNAME"):
                connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as error:
            _close(connection)
            raise Unavailable(type(error).__name__) from error
        self.connection = connection
        return self

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            raise Unavailable("NotConnected")
        try:
            refused = self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()), (550, b"refused"))
            raise Refused(code, _text(text)) from error
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise Refused(error.smtp_code, _text(error.smtp_error)) from error
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(type(error).__name__) from error
        if refused:  # pragma: no cover - one recipient per message: refused means all
            code, text = next(iter(refused.values()))
            raise Refused(code, _text(text))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.connection is not None:
            _close(self.connection)
            self.connection = None


class OutboxTransport:
    """The demo without an SMTP server: the mail stays in its row for admins to read."""

    keeps_copies = True

    def __enter__(self) -> OutboxTransport:
        return self

    def send(self, message: EmailMessage) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        pass


def open_transport() -> SmtpTransport | OutboxTransport:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(dict(config))
    return OutboxTransport()


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
