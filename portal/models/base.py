"""Column types and mixins shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal import clock


def utcnow() -> datetime:
    """The clock's now (portal/clock.py); column defaults call it on every insert."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL compare alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


LABELS: dict[tuple[type, str], Any] = {}


class LabelledEnum(enum.StrEnum):
    """A string enum whose members know their translated label (`member.label`)."""

    @property
    def label(self) -> str:
        return str(LABELS.get((type(self), self.value), self.value))

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


def register_labels(enum_class: type[LabelledEnum], labels: dict[Any, Any]) -> None:
    """Attach (lazily translated) labels to an enum's members."""
    for member, text in labels.items():
        LABELS[(enum_class, enum_class(member).value)] = text


def str_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A VARCHAR column with a CHECK constraint holding the enum's values (not names)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking: every UPDATE checks and bumps `version` (stale saves raise)."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(self) -> dict[str, Any]:
        return {"version_id_col": self.__table__.c.version}
