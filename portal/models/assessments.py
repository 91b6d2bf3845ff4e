"""Dealer assessments: a periodic scorecard of computed metrics plus a supervisor's ratings.

Everything that makes up the result is copied onto the assessment (metric values, their
weights, the criteria with their labels and weights), so a later change of data or of
configuration never rewrites history. A final assessment is frozen.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models import scorecard
from portal.models.base import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    register_labels,
    str_enum,
)

if TYPE_CHECKING:
    from portal.models.network import Dealer
    from portal.models.users import User


class AssessmentStatus(LabelledEnum):
    DRAFT = "draft"
    FINAL = "final"


register_labels(
    AssessmentStatus,
    {AssessmentStatus.DRAFT: _l("Draft"), AssessmentStatus.FINAL: _l("Final")},
)

SCORE = Numeric(5, 1)
WEIGHT = Numeric(7, 2)


class FrozenAssessmentError(RuntimeError):
    """A final assessment was about to change."""


class Assessment(TimestampMixin, VersionedMixin, db.Model):
    """One dealer's assessment for one period (one per dealer and period)."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("dealer_id", "period", name="uq_assessments_dealer_id_period"),
        Index("ix_assessments_period_status", "period", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # "2026-Q3" (see portal.assessments.cycles)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.DRAFT
    )
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metrics_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Percentage of the score from the metrics (the rest from the criteria), as configured
    # when the assessment was started.
    metrics_share: Mapped[Decimal] = mapped_column(WEIGHT)
    audit_trend: Mapped[Decimal | None] = mapped_column(SCORE)
    metric_score: Mapped[Decimal | None] = mapped_column(SCORE)
    criteria_score: Mapped[Decimal | None] = mapped_column(SCORE)
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    grade: Mapped[str | None] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")

    dealer: Mapped[Dealer] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    metrics: Mapped[list[AssessmentMetric]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentMetric.position",
    )
    ratings: Mapped[list[AssessmentRating]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentRating.position",
    )

    @property
    def is_final(self) -> bool:
        return self.status == AssessmentStatus.FINAL

    def __str__(self) -> str:
        return f"{self.period}"


class AssessmentMetric(db.Model):
    """One computed metric as it stood when the assessment was saved, with its weight."""

    __tablename__ = "assessment_metrics"
    __table_args__ = (UniqueConstraint("assessment_id", "key", name="uq_assessment_metrics_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))  # as computed (already translated)
    value: Mapped[Decimal | None] = mapped_column(SCORE)  # 0-100; None: no data
    detail: Mapped[str] = mapped_column(String(300), default="")  # as computed, too
    # The numbers the detail was made of ({}: no data), so that it reads in the reader's
    # language; None on metrics saved before migration 0011 (the stored text is shown).
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    weight: Mapped[Decimal] = mapped_column(WEIGHT)

    assessment: Mapped[Assessment] = relationship(back_populates="metrics")

    @property
    def shown_label(self) -> str:
        """The metric's name in the reader's language."""
        return scorecard.label(self.key, fallback=self.label)

    @property
    def shown_detail(self) -> str:
        """How the metric was computed, in the reader's language."""
        return scorecard.describe(self.key, self.facts, fallback=self.detail)


class AssessmentRating(db.Model):
    """The supervisor's rating (1-5) of one qualitative criterion, with its weight."""

    __tablename__ = "assessment_ratings"
    __table_args__ = (UniqueConstraint("assessment_id", "key", name="uq_assessment_ratings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))  # the configured (source) label
    weight: Mapped[Decimal] = mapped_column(WEIGHT)
    rating: Mapped[int | None]  # 1-5; None while the draft leaves it open
    comment: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")


def _stored_status(assessment: Assessment) -> AssessmentStatus | None:
    state = inspect(assessment)
    if not state.persistent:
        return None
    history = state.attrs.status.history
    return history.deleted[0] if history.deleted else assessment.status


def refuse_changes_to_final_assessments(session: Session, _context: Any, _instances: Any):
    """History never changes: a final assessment and its lines are read-only."""
    for obj in (*session.dirty, *session.deleted, *session.new):
        if isinstance(obj, Assessment):
            parent = obj
        elif isinstance(obj, AssessmentMetric | AssessmentRating):
            parent = obj.assessment
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if parent is not None and _stored_status(parent) == AssessmentStatus.FINAL:
            raise FrozenAssessmentError(f"assessment {parent.id} is final")
