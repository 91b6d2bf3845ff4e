"""Lifecycles: the transition table of a workflow, and the mixins of the records that follow it.

Sales plans, store reports and complaints (and the contract renewals that come next) move from
status to status by named actions. Each workflow declares its table once, beside its enums
(`portal.models.plans.PLAN_LIFECYCLE`): which statuses an action starts from, where it
leads, whether it takes a comment, which times it stamps and whom it tells.
`portal.lifecycle` applies a step, in the words of `portal.lifecycle_text`; access rules
read the same table (which statuses the owner may edit). Plans and reports follow the
same review lifecycle (`review_lifecycle`); a workflow of another shape lists its steps
itself (`Workflow.of`). Models import only primitives: this module too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.models.base import LabelledEnum, UTCDateTime, register_labels, str_enum, utcnow

if TYPE_CHECKING:
    from portal.models.users import User

COMMENT_MAX = 2000


class Recipients(StrEnum):
    """Who hears of a step (`portal.notifications`): the record's dealer, or the supervisors
    of its region."""

    DEALER = "dealer"
    SUPERVISORS = "supervisors"


@dataclass(frozen=True)
class Comment:
    """A step's comment: stripped, at most `max_length` characters, `required` or not (the
    prompt is in `portal.lifecycle_text.WHY`); `key` names it in the activity log's details
    (a reopening gives a "reason")."""

    required: bool = False
    key: str = "comment"
    max_length: int = COMMENT_MAX


@dataclass(frozen=True)
class Notice:
    """The in-app notice of a step: a kind (its message in `portal.lifecycle_text.NOTICES`),
    sent to `recipients`; `quote` adds the step's comment (its first 200 characters)."""

    kind: str
    recipients: Recipients
    quote: bool = False


@dataclass(frozen=True)
class Step:
    """One row of a transition table.

    `sources` are the statuses the action starts from (empty: it creates the record). A
    step without `comment` logs an empty one and records the record's summary in the
    activity log; one with it records the comment. `stamps` are time columns set to the
    step's time, `first_stamps` ones set only while still empty (the first submission
    decides lateness).
    """

    action: LabelledEnum
    sources: Iterable[LabelledEnum]
    target: LabelledEnum
    comment: Comment | None = None
    stamps: tuple[str, ...] = ()
    first_stamps: tuple[str, ...] = ()
    notice: Notice | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(self.sources))


@dataclass(frozen=True)
class Workflow:
    """A transition table: the statuses, the actions and one step per action.

    `name` keys its words (`plan.approve`) and prefixes the enum types of its log's columns
    (`plan_action`, `plan_transition_from`, `plan_transition_to`); `editable` are the
    statuses in which the record's owner may still change it; `decisions` the actions a
    reviewer chooses between.
    """

    name: str
    status: type[LabelledEnum]
    action: type[LabelledEnum]
    steps: Mapping[LabelledEnum, Step] = field(repr=False)
    editable: frozenset[LabelledEnum] = frozenset()
    decisions: tuple[LabelledEnum, ...] = ()

    @classmethod
    def of(
        cls,
        name: str,
        steps: Iterable[Step],
        *,
        editable: Iterable[LabelledEnum] = (),
        decisions: Iterable[LabelledEnum] = (),
    ) -> Workflow:
        table = {step.action: step for step in steps}
        first = next(iter(table.values()))
        action, status = type(first.action), type(first.target)
        if set(table) != set(action):
            raise ValueError(f"{name}: every action needs exactly one step")
        for step in table.values():
            if not {*step.sources, step.target} <= set(status):
                raise ValueError(f"{name}: {step.action} names a status of another workflow")
        return cls(name, status, action, table, frozenset(editable), tuple(decisions))

    def step(self, action: LabelledEnum) -> Step:
        return self.steps[action]

    def key(self, action: LabelledEnum) -> str:
        """The step's key in `portal.lifecycle_text` (`plan.approve`)."""
        return f"{self.name}.{action.value}"


def review_lifecycle(
    name: str,
    *,
    accept: LabelledEnum,
    accepted: LabelledEnum,
    more: Iterable[Step] = (),
) -> Workflow:
    """The lifecycle of a record sent for review: its owner drafts and submits it, which
    tells the region's supervisors; a reviewer accepts it (`accept`, leading to `accepted`,
    with an optional comment) or returns it saying why, which tells the dealer; a returned
    record is corrected and submitted again. `more` adds steps (reopening a plan).

    The status enum has DRAFT, SUBMITTED and RETURNED, the action enum CREATE, SUBMIT and
    RETURN: labelled here, beside the labels the record's module gives the others.
    """
    status, action = type(accepted), type(accept)
    register_labels(
        status, {"draft": _l("Draft"), "submitted": _l("Submitted"), "returned": _l("Returned")}
    )
    register_labels(
        action, {"create": _l("Created"), "submit": _l("Submitted"), "return": _l("Returned")}
    )
    editable = {status("draft"), status("returned")}
    waiting = {status("submitted")}
    decided = ("decided_at",)
    steps = [
        Step(action("create"), (), status("draft")),
        Step(
            action("submit"),
            editable,
            status("submitted"),
            stamps=("submitted_at",),
            first_stamps=("first_submitted_at",),
            notice=Notice(f"{name}.submitted", Recipients.SUPERVISORS),
        ),
        Step(
            accept,
            waiting,
            accepted,
            Comment(),
            decided,
            notice=Notice(f"{name}.{accepted.value}", Recipients.DEALER),
        ),
        Step(
            action("return"),
            waiting,
            status("returned"),
            Comment(required=True),
            decided,
            notice=Notice(f"{name}.returned", Recipients.DEALER, quote=True),
        ),
    ]
    return Workflow.of(
        name, [*steps, *more], editable=editable, decisions=(accept, action("return"))
    )


def review_queue_index(table: str) -> Index:
    """The review queue: submitted records, oldest submission first. Partial, so that it is
    never mistaken for a way into the other statuses (accepted: most of the table)."""
    return Index(
        f"ix_{table}_submitted",
        "submitted_at",
        sqlite_where=text("status = 'submitted'"),
        postgresql_where=text("status = 'submitted'"),
    )


class ReviewStamps:
    """When a record sent for review was first submitted, last submitted and last decided.

    The first submission decides lateness; resubmissions after a return do not.
    """

    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TransitionLog:
    """One step in a record's lifecycle: who, when, from which status to which, and why.

    A model using it names its `workflow` and declares the foreign key and relationship to
    the record it logs (`plan_id`, `plan`). `sort_order` puts that key second, as the
    tables were first written: id, key, action, statuses, actor, time, comment.
    """

    workflow: ClassVar[Workflow]

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)

    @declared_attr
    def action(self) -> Mapped[Any]:
        return _enum_column(self.workflow.action, f"{self.workflow.name}_action", nullable=False)

    @declared_attr
    def from_status(self) -> Mapped[Any]:
        """None for the step that created the record."""
        return _enum_column(self.workflow.status, f"{self.workflow.name}_transition_from")

    @declared_attr
    def to_status(self) -> Mapped[Any]:
        return _enum_column(
            self.workflow.status, f"{self.workflow.name}_transition_to", nullable=False
        )

    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), sort_order=2)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=2)
    comment: Mapped[str] = mapped_column(Text, default="", sort_order=2)

    @declared_attr
    def actor(self) -> Mapped[User | None]:
        return relationship("User")


def _enum_column(enum: type[LabelledEnum], name: str, nullable: bool = True) -> Any:
    return mapped_column(str_enum(enum, name), nullable=nullable, sort_order=1)


def log_owner(table: str) -> Any:
    """The log's foreign key to the record it logs (deleted with it)."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True)


def transition_log(model: str, owner: str) -> Any:
    """The relationship from a record to its log (`model`), oldest step first."""
    return relationship(
        back_populates=owner,
        cascade="all, delete-orphan",
        order_by=f"({model}.at, {model}.id)",
    )
