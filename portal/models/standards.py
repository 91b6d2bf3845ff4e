"""Audit standards: versioned templates of sections and weighted items.

A published version is frozen: a session guard refuses any change to it or to its
sections and items, whatever code path tries (the services check first, with a clear
message; the guard is the backstop).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.i18n import localized
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
)


class VersionStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


register_labels(
    VersionStatus, {VersionStatus.DRAFT: _l("Draft"), VersionStatus.PUBLISHED: _l("Published")}
)


class StandardPurpose(LabelledEnum):
    """What a standard is scored against: a store in an audit, or a prospective dealer in its
    screening (portal/prospects). Both are versioned, published and scored alike."""

    AUDIT = "audit"
    SCREENING = "screening"


register_labels(
    StandardPurpose,
    {
        StandardPurpose.AUDIT: _l("Store audit"),
        StandardPurpose.SCREENING: _l("Prospect screening"),
    },
)


class FrozenVersionError(RuntimeError):
    """Something tried to change a published standard version."""


class Standard(TimestampMixin, VersionedMixin, db.Model):
    """An audit template; its content lives in numbered versions."""

    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    purpose: Mapped[StandardPurpose] = mapped_column(
        str_enum(StandardPurpose, "standard_purpose"),
        default=StandardPurpose.AUDIT,
        server_default=StandardPurpose.AUDIT.value,
    )

    versions: Mapped[list[StandardVersion]] = relationship(
        back_populates="standard", order_by="StandardVersion.number"
    )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StandardVersion(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "standard_versions"
    __table_args__ = (UniqueConstraint("standard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    number: Mapped[int]
    # active_history: the stored status is known even when it was not loaded (frozen guard)
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus, "standard_version_status"), active_history=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    standard: Mapped[Standard] = relationship(back_populates="versions")
    sections: Mapped[list[StandardSection]] = relationship(
        back_populates="version",
        order_by="StandardSection.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def items(self) -> list[StandardItem]:
        """Every item in order: section by section."""
        return [item for section in self.sections for item in section.items]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.number}"


class StandardSection(db.Model):
    __tablename__ = "standard_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("standard_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))

    version: Mapped[StandardVersion] = relationship(back_populates="sections")
    items: Mapped[list[StandardItem]] = relationship(
        back_populates="section", order_by="StandardItem.position", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.title


class StandardItem(VersionedMixin, db.Model):
    """One question. `code` is stable across versions: answers are compared by it."""

    __tablename__ = "standard_items"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("weight >= 0 AND weight <= 10", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("standard_versions.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int] = mapped_column(
        ForeignKey("standard_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(String(500))
    guidance: Mapped[str] = mapped_column(Text, default="")
    question_zh: Mapped[str] = mapped_column(String(500), default="", server_default="")
    guidance_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    weight: Mapped[int] = mapped_column(default=1)
    critical: Mapped[bool] = mapped_column(default=False)
    na_allowed: Mapped[bool] = mapped_column(default=True)
    photo_required: Mapped[bool] = mapped_column(default=False)  # when the item fails

    section: Mapped[StandardSection] = relationship(back_populates="items")
    standard_version: Mapped[StandardVersion] = relationship()

    @property
    def label(self) -> str:
        """The question in the reader's language (the English one when there is no Chinese one)."""
        return localized(self.question, self.question_zh)

    @property
    def guidance_label(self) -> str:
        return localized(self.guidance, self.guidance_zh)

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


def _was_published(version: StandardVersion) -> bool:
    """True when the stored row (not just the object) says published."""
    history = inspect(version).attrs.status.history
    stored = history.deleted[0] if history.deleted else version.status
    return inspect(version).persistent and stored == VersionStatus.PUBLISHED


def _owning_version(obj: Any) -> StandardVersion | None:
    if isinstance(obj, StandardItem):
        section = obj.section
        return obj.standard_version or (section.version if section is not None else None)
    if isinstance(obj, StandardSection):
        return obj.version
    return None


def refuse_changes_to_published_versions(session: Session, _context: Any, _instances: Any):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, StandardVersion):
            if _was_published(obj) and (obj in session.deleted or session.is_modified(obj)):
                raise FrozenVersionError(f"standard version {obj.id} is published")
            continue
        version = _owning_version(obj)
        if version is None:
            continue
        changed = obj in session.new or obj in session.deleted or session.is_modified(obj)
        # A version being published in this very flush may still receive its content.
        if changed and _was_published(version):
            raise FrozenVersionError(f"standard version {version.id} is published")
