"""Moving a record along its lifecycle (the transition tables of `portal.models.lifecycle`).

One place applies a step, for plans, reports and complaints now and contracts next: it
refuses a step from the wrong status, checks the comment, stamps the step's times, logs
the transition, records it in the activity log (`sales_plan.approve`) and sends the step's
notice, in the words of `portal.lifecycle_text`. Like every service it flushes and never
commits. An area binds its workflow once (`Lifecycle(...)` in its services) to its error
classes and to how its records are named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect

from portal import activity, notifications, periods
from portal.database import insert_unique
from portal.extensions import db
from portal.lifecycle_text import NOTICES, REFUSED, WHY
from portal.models import User
from portal.models.base import utcnow
from portal.models.lifecycle import Recipients, Step, TransitionLog, Workflow

for _kind, _message in NOTICES.items():
    notifications.register_kind(_kind, _message)


class LifecycleError(ValueError):
    """A change the rules refuse; `field` names the form field to show it on."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecordExists(Exception):
    """The record's key is taken (a resent or concurrent create): `record` is the one there."""

    def __init__(self, record: Any) -> None:
        super().__init__(f"{activity.object_type_of(record)} {record.id} exists")
        self.record = record


Describe = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Lifecycle:
    """A workflow bound to its area: the errors it raises; for one record, the params that
    name it in notices (`about`) and in the message after a decision (`decided`), its
    summary in the activity log and the link its notices give."""

    workflow: Workflow
    error: type[LifecycleError]
    exists: type[RecordExists]
    about: Describe
    decided: Describe
    summary: Describe
    link: Callable[[Any], str]

    def create(
        self, record: Any, *, existing: Callable[[], Any], window: tuple[str, str] | None = None
    ) -> None:
        """Insert a new record: refused outside `window` (its period); `exists` when
        `existing()` finds one, before the INSERT or after a concurrent one won (R3)."""
        if window is not None:
            try:
                periods.check_in_window(periods.parse(record.period), *window)
            except periods.PeriodError as error:
                raise self.error(error.message, "period") from None

        def check_free() -> None:
            found = existing()
            if found is not None:
                raise self.exists(found)

        check_free()
        insert_unique(record, check_free)

    def check(self, record: Any, action: Any) -> Step:
        """The step, if it may start from the record's status; refused otherwise."""
        step = self.workflow.step(action)
        if step.sources and record.status not in step.sources:
            raise self.error(REFUSED[self.workflow.key(action)])
        return step

    def move(
        self,
        record: Any,
        action: Any,
        *,
        actor: User,
        comment: str = "",
        at: datetime | None = None,
    ) -> TransitionLog:
        """Take one step: check it, stamp, log, flush, record the activity, notify."""
        step = self.check(record, action)
        comment = self._comment(step, comment)
        at = at or utcnow()
        for name in step.stamps:
            setattr(record, name, at)
        for name in step.first_stamps:
            if getattr(record, name) is None:
                setattr(record, name, at)
        log = inspect(type(record)).relationships["transitions"].mapper.class_
        entry = log(
            action=action,
            from_status=record.status if step.sources else None,
            to_status=step.target,
            actor_id=actor.id,
            comment=comment,
            at=at,
        )
        record.transitions.append(entry)
        record.status = step.target
        db.session.flush()
        details = {step.comment.key: comment} if step.comment else self.summary(record)
        code = f"{activity.object_type_of(record)}.{action.value}"
        activity.record(code, record, details=details, actor=actor)
        self._notify(record, step, comment)
        return entry

    def _comment(self, step: Step, text: str) -> str:
        if step.comment is None:
            return ""
        text = (text or "").strip()
        if step.comment.required and not text:
            raise self.error(WHY[self.workflow.key(step.action)], "comment")
        if len(text) > step.comment.max_length:
            message = _l("Keep it under %(max)d characters.", max=step.comment.max_length)
            raise self.error(message, "comment")
        return text

    def _notify(self, record: Any, step: Step, comment: str) -> None:
        notice = step.notice
        if notice is None:
            return
        if notice.recipients == Recipients.SUPERVISORS:
            # Supervisors hear of many dealers: their notices name the dealer.
            send = notifications.notify_supervisors_of
            params = {"dealer": f"{record.dealer.code} {record.dealer.name}"}
        else:
            send, params = notifications.notify_dealer, {}
        params |= self.about(record)
        if notice.quote:
            params["comment"] = comment[:200]
        send(record.dealer_id, notice.kind, link=self.link(record), **params)


def line_totals(lines: Any) -> dict[str, int]:
    """Revenue (minor units) and units summed over a plan's or report's lines."""
    return {
        "revenue_minor": sum(line.revenue_minor for line in lines),
        "units": sum(line.units for line in lines),
    }
