"""Logged downloads: a busy database never turns a read into an error (check S20).

A download view reads, builds its response, then calls `log_download()` at the request
boundary (like a view's commit). The entry is written in a short transaction of its own:

- the reading transaction ends first. On SQLite a transaction that read and then writes
  fails at once ("database is locked") when another writer got in between; a fresh one
  that takes the write lock up front (BEGIN IMMEDIATE) waits its turn instead;
- the wait is short (DOWNLOAD_LOG_BUSY_TIMEOUT_MS) and retried a few times with backoff;
- if the entry still cannot be written, the failure is logged with what the entry would
  have said, and the file is served all the same.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from portal import activity
from portal.database import busy_timeout, write_intent
from portal.extensions import db

ATTEMPTS = 3
logger = logging.getLogger(__name__)


def log_download(action: str, obj: Any, *, label: str | None = None) -> bool:
    """Record that `obj` was downloaded; True if recorded, False if only logged."""
    label = label if label is not None else str(obj)  # read while the read is still open
    object_id = getattr(obj, "id", None)
    db.session.rollback()  # GETs change nothing else: end the read before writing
    wait_ms = int(current_app.config["DOWNLOAD_LOG_BUSY_TIMEOUT_MS"])
    for attempt in range(ATTEMPTS):
        try:
            with write_intent(), busy_timeout(wait_ms):
                activity.record(action, obj, label=label)
                db.session.commit()
            return True
        except OperationalError as error:  # busy, locked, or the connection went away
            db.session.rollback()
            failure: Exception = error
            if attempt + 1 < ATTEMPTS:
                time.sleep(0.05 * 2**attempt)
        except SQLAlchemyError as error:
            db.session.rollback()
            failure = error
            break
    logger.error(
        "download served without its activity entry (%s %s #%s %r): %s",
        action,
        activity.object_type_of(obj),
        object_id,
        label,
        failure,
    )
    return False
