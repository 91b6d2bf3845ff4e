"""Dealer assessment changes and look-ups. Functions flush, log and notify; never commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import activity, lifecycle, notifications
from portal.assessments import cycles, scoring
from portal.extensions import db
from portal.metrics import assessments as assessment_metrics
from portal.models import (
    Assessment,
    AssessmentMetric,
    AssessmentRating,
    AssessmentStatus,
    Dealer,
    User,
)
from portal.models.base import utcnow

COMMENT_MAX = 4000

notifications.register_kind(
    "assessment.final", _l("Your assessment for %(period)s is final: grade %(grade)s.")
)


class AssessmentError(lifecycle.LifecycleError):
    """A change the assessment rules refuse; `field` names the form field to show it on."""


class AssessmentExists(lifecycle.RecordExists):
    """The dealer already has an assessment for this period (a resent or concurrent start)."""

    @property
    def assessment(self) -> Assessment:
        return self.record


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # the source text; pages translate it
    weight: Decimal


@dataclass(frozen=True)
class Settings:
    months: int
    periods_back: int
    criteria: tuple[Criterion, ...]
    metrics_share: Decimal
    metric_weights: dict[str, Decimal]
    bands: tuple[scoring.GradeBand, ...]


@dataclass(frozen=True)
class RatingInput:
    rating: int | None
    comment: str = ""


def settings(config: Mapping[str, Any] | None = None) -> Settings:
    """The assessment configuration, checked (a bad setting fails loudly, not silently)."""
    config = config if config is not None else current_app.config
    criteria = tuple(
        Criterion(str(item["key"]), str(item["label"]), Decimal(str(item["weight"])))
        for item in config["ASSESSMENT_CRITERIA"]
    )
    if len({c.key for c in criteria}) != len(criteria) or any(c.weight < 0 for c in criteria):
        raise ValueError("ASSESSMENT_CRITERIA needs unique keys and weights of 0 or more")
    weights = config["ASSESSMENT_WEIGHTS"]
    metric_weights = {
        key: Decimal(str(weights.get("metrics", {}).get(key, 0))) for key in assessment_metrics.KEYS
    }
    if any(weight < 0 for weight in metric_weights.values()):
        raise ValueError("ASSESSMENT_WEIGHTS metric weights must be 0 or more")
    share = Decimal(str(weights.get("metrics_share", 50)))
    if not Decimal(0) <= share <= Decimal(100):
        raise ValueError("ASSESSMENT_WEIGHTS metrics_share must be between 0 and 100")
    return Settings(
        months=cycles.check_months(int(config["ASSESSMENT_PERIOD_MONTHS"])),
        periods_back=int(config["ASSESSMENT_PERIODS_BACK"]),
        criteria=criteria,
        metrics_share=share,
        metric_weights=metric_weights,
        bands=scoring.bands_from_config(config["ASSESSMENT_GRADE_BANDS"]),
    )


def assessable_cycles(today: date, config: Settings) -> list[cycles.Cycle]:
    """The periods that may be assessed today: the current one and a few before, newest first."""
    return cycles.recent(today, config.months, config.periods_back)


def default_cycle(today: date, config: Settings) -> cycles.Cycle:
    """The period a supervisor most likely means: the last one that has ended."""
    return cycles.containing(today, config.months).shift(-1)


# Look-ups


def find_assessment(dealer_id: int, period: str) -> Assessment | None:
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.dealer_id == dealer_id, Assessment.period == period)
        .execution_options(populate_existing=True)
    )


def dealer_history(dealer_id: int, *, final_only: bool) -> list[Assessment]:
    """The dealer's assessments, newest period first (assessor loaded, no per-row queries)."""
    query = (
        select(Assessment)
        .where(Assessment.dealer_id == dealer_id)
        .options(joinedload(Assessment.assessor))
        .order_by(Assessment.first_day.desc(), Assessment.id.desc())
    )
    if final_only:
        query = query.where(Assessment.status == AssessmentStatus.FINAL)
    return list(db.session.scalars(query))


def load_full(assessment_id: int) -> Assessment:
    """The assessment with its lines, people and dealer, for its page or a PDF."""
    return db.session.scalars(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.metrics),
            selectinload(Assessment.ratings),
            joinedload(Assessment.dealer),
            joinedload(Assessment.assessor),
            joinedload(Assessment.finalised_by),
        )
        .execution_options(populate_existing=True)
    ).one()


def latest_final_assessment(dealer_id: int) -> Assessment | None:
    """The dealer's most recent final assessment with its lines loaded (for the dealer file)."""
    found = db.session.scalar(
        select(Assessment.id)
        .where(Assessment.dealer_id == dealer_id, Assessment.status == AssessmentStatus.FINAL)
        .order_by(Assessment.first_day.desc(), Assessment.id.desc())
        .limit(1)
    )
    return load_full(found) if found is not None else None


def result_of(assessment: Assessment) -> scoring.Result:
    """Score the assessment from its own frozen values and weights (for the weights shown)."""
    return scoring.assess(
        metrics={m.key: m.value for m in assessment.metrics},
        metric_weights={m.key: m.weight for m in assessment.metrics},
        ratings={r.key: r.rating for r in assessment.ratings},
        criterion_weights={r.key: r.weight for r in assessment.ratings},
        metrics_share=assessment.metrics_share,
        bands=settings().bands,
    )


@dataclass(frozen=True)
class Preview:
    """What a new assessment would start from: the figures, weights and provisional score."""

    metrics: list[AssessmentMetric]  # not added to the session
    audit_trend: Decimal | None
    metrics_share: Decimal
    result: scoring.Result


def preview(dealer: Dealer, cycle: cycles.Cycle, *, config: Settings, today: date) -> Preview:
    card = assessment_metrics.scorecard(
        dealer.id, first=cycle.first_day, last=cycle.last_day, today=today
    )
    metrics = [
        AssessmentMetric(
            key=key,
            label=card.components[key].label,
            value=card.components[key].value,
            detail=card.components[key].detail,
            facts=card.components[key].facts,
            weight=config.metric_weights[key],
        )
        for key in assessment_metrics.KEYS
    ]
    result = scoring.assess(
        metrics={m.key: m.value for m in metrics},
        metric_weights=config.metric_weights,
        ratings={},
        criterion_weights={c.key: c.weight for c in config.criteria},
        metrics_share=config.metrics_share,
        bands=config.bands,
    )
    return Preview(metrics, card.audit_trend, config.metrics_share, result)


# Changes


def start_assessment(
    *,
    dealer: Dealer,
    cycle: cycles.Cycle,
    ratings: Mapping[str, RatingInput],
    comment: str,
    actor: User,
    config: Settings,
    today: date,
) -> Assessment:
    """A new draft for the dealer and period; AssessmentExists if there is one already."""
    if cycle not in assessable_cycles(today, config):
        raise AssessmentError(_l("This period cannot be assessed now."), "period")
    existing = find_assessment(dealer.id, cycle.label)
    if existing is not None:
        raise AssessmentExists(existing)
    assessment = Assessment(
        dealer_id=dealer.id,
        period=cycle.label,
        first_day=cycle.first_day,
        last_day=cycle.last_day,
        status=AssessmentStatus.DRAFT,
        assessor_id=actor.id,
        metrics_share=config.metrics_share,
        comment=comment,
    )
    assessment.dealer = dealer
    for position, criterion in enumerate(config.criteria):
        assessment.ratings.append(
            AssessmentRating(
                position=position,
                key=criterion.key,
                label=criterion.label,
                weight=criterion.weight,
                comment="",
            )
        )
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        # Another request started it between our check and our insert (R3).
        existing = find_assessment(dealer.id, cycle.label)
        if existing is None:
            raise
        raise AssessmentExists(existing) from None
    _set_ratings(assessment, ratings)
    refresh_metrics(assessment, config=config, today=today)
    _rescore(assessment, config)
    db.session.flush()
    activity.record("assessment.create", assessment, details=_summary(assessment), actor=actor)
    return assessment


def update_assessment(
    assessment: Assessment,
    *,
    ratings: Mapping[str, RatingInput],
    comment: str,
    actor: User,
    config: Settings,
    today: date,
) -> None:
    """Save a draft's ratings and comments; its figures are computed afresh."""
    _check_draft(assessment)
    _set_ratings(assessment, ratings)
    assessment.comment = comment
    assessment.assessor_id = actor.id
    refresh_metrics(assessment, config=config, today=today)
    _rescore(assessment, config)
    assessment.updated_at = utcnow()  # lines live in other tables: bump the version
    db.session.flush()
    activity.record("assessment.update", assessment, details=_summary(assessment), actor=actor)


def finalise_assessment(
    assessment: Assessment, *, actor: User, config: Settings, today: date
) -> None:
    """Freeze the assessment with figures as of now; every criterion must be rated."""
    _check_draft(assessment)
    unrated = [rating for rating in assessment.ratings if rating.rating is None]
    if unrated:
        raise AssessmentError(_l("Rate every criterion before finalising."))
    refresh_metrics(assessment, config=config, today=today)
    _rescore(assessment, config)
    if assessment.score is None:
        raise AssessmentError(_l("There is nothing to score yet."))
    assessment.status = AssessmentStatus.FINAL
    assessment.finalised_at = utcnow()
    assessment.finalised_by_id = actor.id
    db.session.flush()
    activity.record("assessment.finalise", assessment, details=_summary(assessment), actor=actor)
    notifications.notify_dealer(
        assessment.dealer_id,
        "assessment.final",
        link=f"/assessments/{assessment.id}",
        period=assessment.period,
        grade=assessment.grade,
    )


def refresh_metrics(assessment: Assessment, *, config: Settings, today: date) -> None:
    """Copy the dealer's scorecard for the period onto the draft, with the metric weights."""
    _check_draft(assessment)
    card = assessment_metrics.scorecard(
        assessment.dealer_id, first=assessment.first_day, last=assessment.last_day, today=today
    )
    # Weights chosen when the draft started stay; a metric new since then gets today's.
    kept = {metric.key: metric.weight for metric in assessment.metrics}
    current = {metric.key: metric for metric in assessment.metrics}
    for position, key in enumerate(assessment_metrics.KEYS):
        component = card.components[key]
        metric = current.get(key)
        if metric is None:
            metric = AssessmentMetric(key=key, weight=kept.get(key, config.metric_weights[key]))
            assessment.metrics.append(metric)
        metric.position = position
        metric.label = component.label[:200]
        metric.value = component.value
        metric.detail = component.detail[:300]
        metric.facts = component.facts
    assessment.audit_trend = card.audit_trend
    assessment.metrics_computed_at = utcnow()


def _set_ratings(assessment: Assessment, ratings: Mapping[str, RatingInput]) -> None:
    for line in assessment.ratings:
        given = ratings.get(line.key)
        if given is None:
            continue
        if given.rating is not None and not (
            scoring.RATING_MIN <= given.rating <= scoring.RATING_MAX
        ):
            raise AssessmentError(_l("Ratings go from 1 to 5."), f"rating_{line.key}")
        line.rating = given.rating
        line.comment = given.comment


def _rescore(assessment: Assessment, config: Settings) -> None:
    result = scoring.assess(
        metrics={m.key: m.value for m in assessment.metrics},
        metric_weights={m.key: m.weight for m in assessment.metrics},
        ratings={r.key: r.rating for r in assessment.ratings},
        criterion_weights={r.key: r.weight for r in assessment.ratings},
        metrics_share=assessment.metrics_share,
        bands=config.bands,
    )
    assessment.score = result.score
    assessment.grade = result.grade
    assessment.metric_score = result.metric_score
    assessment.criteria_score = result.criteria_score


def _check_draft(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentError(_l("This assessment is final and cannot be changed."))


def same_content(assessment: Assessment, ratings: Mapping[str, RatingInput], comment: str) -> bool:
    """True when saving these values would change nothing (a resent form)."""
    current = {r.key: RatingInput(r.rating, r.comment) for r in assessment.ratings}
    return assessment.comment == comment and all(
        current.get(key) == value for key, value in ratings.items()
    )


def _summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "dealer": assessment.dealer.code,
        "period": assessment.period,
        "status": assessment.status.value,
        "score": assessment.score,
        "grade": assessment.grade,
    }
