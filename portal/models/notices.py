"""Notices: policies and promotions pushed to dealers, their versions and the dealers' answers."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.attachments import Attachment
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
    utcnow,
)
from portal.models.network import Dealer, DealerKind, Region, Store
from portal.models.users import User


class NoticeKind(LabelledEnum):
    POLICY = "policy"
    PROMOTION = "promotion"


class NoticeStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Audience(LabelledEnum):
    NETWORK = "network"
    REGIONS = "regions"
    DEALERS = "dealers"
    KIND = "kind"


class ExecutionStatus(LabelledEnum):
    DONE = "done"
    NOT_POSSIBLE = "not_possible"


register_labels(NoticeKind, {"policy": _l("Policy"), "promotion": _l("Promotion")})
register_labels(
    NoticeStatus,
    {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")},
)
register_labels(
    Audience,
    {
        "network": _l("The whole network"),
        "regions": _l("Chosen regions"),
        "dealers": _l("Chosen dealers"),
        "kind": _l("Dealers of a kind"),
    },
)
register_labels(ExecutionStatus, {"done": _l("Executed"), "not_possible": _l("Not possible")})

# Who a notice is for. Evaluated against current data on every read, so a dealer who joins a
# targeted region later sees the notice, and one who leaves it stops seeing it.
notice_regions = Table(
    "notice_regions",
    db.metadata,
    Column("notice_id", ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)
notice_dealers = Table(
    "notice_dealers",
    db.metadata,
    Column("notice_id", ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("dealer_id", ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True),
)
# A promotion's chosen stores; none chosen means every open store of the audience.
notice_stores = Table(
    "notice_stores",
    db.metadata,
    Column("notice_id", ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("store_id", ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
)


class Notice(TimestampMixin, VersionedMixin, db.Model):
    """The working copy of a notice. Each publication is frozen as a NoticeVersion."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, "notice_kind"))
    status: Mapped[NoticeStatus] = mapped_column(
        str_enum(NoticeStatus, "notice_status"), default=NoticeStatus.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown source
    # The body rendered and cleaned when it was saved (portal/richtext.py): pages show this
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "notice_audience"))
    audience_kind: Mapped[DealerKind | None] = mapped_column(
        str_enum(DealerKind, "notice_audience_kind")
    )
    acknowledge_days: Mapped[int] = mapped_column(default=7)
    acknowledge_due_on: Mapped[date | None]  # of the current version
    # Promotions only
    promotion_start: Mapped[date | None]
    promotion_end: Mapped[date | None]
    execution_deadline: Mapped[date | None]
    # 0 while a draft was never published; the number of the version dealers now see
    current_version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Per-form token: a double-submitted "new notice" form makes one notice
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    created_by: Mapped[User | None] = relationship()
    regions: Mapped[list[Region]] = relationship(secondary=notice_regions, order_by="Region.name")
    dealers: Mapped[list[Dealer]] = relationship(secondary=notice_dealers, order_by="Dealer.code")
    stores: Mapped[list[Store]] = relationship(secondary=notice_stores, order_by="Store.code")
    versions: Mapped[list[NoticeVersion]] = relationship(
        back_populates="notice",
        order_by="NoticeVersion.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    files: Mapped[list[NoticeFile]] = relationship(
        back_populates="notice",
        order_by="NoticeFile.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_promotion(self) -> bool:
        return self.kind == NoticeKind.PROMOTION

    @property
    def is_draft(self) -> bool:
        return self.status == NoticeStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == NoticeStatus.PUBLISHED

    @property
    def all_stores(self) -> bool:
        return not self.stores

    def is_in_effect(self, today: date) -> bool:
        return self.effective_to is None or self.effective_to >= today

    def current_files(self) -> list[NoticeFile]:
        return [f for f in self.files if f.removed_in_version is None]

    def files_of_version(self, number: int) -> list[NoticeFile]:
        return [f for f in self.files if f.belongs_to(number)]

    def __str__(self) -> str:
        return self.title


class NoticeVersion(db.Model):
    """What dealers were shown as version `number`: frozen, except for logged typo fixes."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")  # when saved
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    promotion_start: Mapped[date | None]
    promotion_end: Mapped[date | None]
    execution_deadline: Mapped[date | None]
    acknowledge_due_on: Mapped[date]
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrections: Mapped[int] = mapped_column(default=0)  # typo fixes made to this version
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()


class NoticeFile(db.Model):
    """An attachment of a notice and the versions it belongs to (kept for older versions)."""

    __tablename__ = "notice_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), unique=True)
    added_in_version: Mapped[int]
    removed_in_version: Mapped[int | None]

    notice: Mapped[Notice] = relationship(back_populates="files")
    attachment: Mapped[Attachment] = relationship(lazy="joined")

    def belongs_to(self, number: int) -> bool:
        return self.added_in_version <= number and (
            self.removed_in_version is None or self.removed_in_version > number
        )


class NoticeReceipt(db.Model):
    """One dealer's reading and acknowledgement of one version of a notice."""

    __tablename__ = "notice_receipts"
    __table_args__ = (
        UniqueConstraint("notice_id", "dealer_id", "version_number"),
        ForeignKeyConstraint(
            ["notice_id", "version_number"],
            ["notice_versions.notice_id", "notice_versions.number"],
            ondelete="CASCADE",
        ),
        Index("ix_notice_receipts_dealer_notice", "dealer_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int]
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    version_number: Mapped[int]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    read_by: Mapped[User | None] = relationship(foreign_keys=[read_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])


class NoticeExecution(db.Model):
    """A store's answer to one version of a promotion: carried out (with an optional photo)
    or not possible (with a reason)."""

    __tablename__ = "notice_executions"
    __table_args__ = (
        UniqueConstraint("notice_id", "store_id", "version_number"),
        ForeignKeyConstraint(
            ["notice_id", "version_number"],
            ["notice_versions.notice_id", "notice_versions.number"],
            ondelete="CASCADE",
        ),
        Index("ix_notice_executions_dealer_notice", "dealer_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    version_number: Mapped[int]
    status: Mapped[ExecutionStatus] = mapped_column(
        str_enum(ExecutionStatus, "notice_execution_status")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    late: Mapped[bool] = mapped_column(default=False)  # reported after the execution deadline
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    store: Mapped[Store] = relationship()
    photo: Mapped[Attachment | None] = relationship()
    reported_by: Mapped[User | None] = relationship()
