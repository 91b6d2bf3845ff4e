"""Store report changes. Each function checks the rules, flushes, logs, notifies, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import activity, lifecycle, periods, storage
from portal.access.plans import REPORT_OWNER_TYPE
from portal.extensions import db
from portal.models import (
    REPORT_LIFECYCLE,
    Attachment,
    CompetitorActivity,
    CompetitorActivityKind,
    ProductLine,
    ReportAction,
    Store,
    StoreReport,
    StoreReportLine,
    StoreStatus,
    User,
)
from portal.models.base import utcnow

EDITABLE = REPORT_LIFECYCLE.editable
ATTACHMENTS_MAX = 20


class ReportError(lifecycle.LifecycleError):
    """A change the report rules refuse; `field` names the form field to show it on."""


class ReportExists(lifecycle.RecordExists):
    """The store already has a report for this period (a resent or concurrent create)."""

    @property
    def report(self) -> StoreReport:
        return self.record


@dataclass
class ReportValues:
    """Everything a dealer types into a report (figures in minor units)."""

    actuals: dict[int, tuple[int, int]] = field(default_factory=dict)
    footfall: int | None = None
    closing_stock_minor: int | None = None
    staff_count: int | None = None
    issues: str = ""
    customer_feedback: str = ""
    competitors: list[tuple[str, str, str]] = field(default_factory=list)


SCALARS = ("footfall", "closing_stock_minor", "staff_count", "issues", "customer_feedback")


def _summary(report: StoreReport) -> dict[str, Any]:
    return {
        "period": report.period,
        "store_id": report.store_id,
        "dealer_id": report.dealer_id,
        **lifecycle.line_totals(report.lines),
    }


def _store(report: StoreReport) -> str:
    return f"{report.store.code} {report.store.name}"


LIFECYCLE = lifecycle.Lifecycle(
    REPORT_LIFECYCLE,
    error=ReportError,
    exists=ReportExists,
    about=lambda report: {"store": _store(report), "period": report.period},
    decided=lambda report: {"store": report.store.code, "period": report.period},
    summary=_summary,
    link=lambda report: f"/reports/{report.id}",
)


def report_window(today, config) -> tuple[str, str]:
    """Reports may be written from PERIOD_MONTHS_BACK months ago up to the current month."""
    first, _last = periods.window(today, config["PERIOD_MONTHS_BACK"], 0)
    return first, periods.of(today)


def reporting_stores(dealer_id: int) -> list[Store]:
    """The dealer's stores that write reports: active and not closed."""
    return list(
        db.session.scalars(
            select(Store)
            .where(
                Store.dealer_id == dealer_id,
                Store.active.is_(True),
                Store.status != StoreStatus.CLOSED,
            )
            .order_by(Store.code)
        )
    )


def report_lines(report: StoreReport | None = None) -> list[ProductLine]:
    """Active product lines, plus any already in the report."""
    in_report = {line.product_line_id for line in report.lines} if report else set()
    lines = db.session.scalars(
        select(ProductLine).order_by(ProductLine.sort_order, ProductLine.code)
    ).all()
    return [line for line in lines if line.active or line.id in in_report]


def find_report(store_id: int, period: str) -> StoreReport | None:
    return db.session.scalar(
        select(StoreReport)
        .where(StoreReport.store_id == store_id, StoreReport.period == period)
        .execution_options(populate_existing=True)
    )


def values_of(report: StoreReport) -> ReportValues:
    return ReportValues(
        actuals={line.product_line_id: (line.revenue_minor, line.units) for line in report.lines},
        footfall=report.footfall,
        closing_stock_minor=report.closing_stock_minor,
        staff_count=report.staff_count,
        issues=report.issues or "",
        customer_feedback=report.customer_feedback or "",
        competitors=[
            (row.competitor, row.kind.value, row.observation or "")
            for row in report.competitor_activities
        ],
    )


def same_content(report: StoreReport, values: ReportValues) -> bool:
    return values_of(report) == values


def create_report(
    *, store: Store, period: str, values: ReportValues, actor: User, window: tuple[str, str]
) -> StoreReport:
    """A new draft report; ReportExists if the store has one for this period."""
    report = StoreReport(
        store_id=store.id, dealer_id=store.dealer_id, period=period, created_by_id=actor.id
    )
    report.store, report.dealer = store, store.dealer
    LIFECYCLE.create(report, existing=lambda: find_report(store.id, period), window=window)
    _apply(report, values)
    LIFECYCLE.move(report, ReportAction.CREATE, actor=actor)
    return report


def update_report(report: StoreReport, *, values: ReportValues, actor: User) -> bool:
    if report.status not in EDITABLE:
        raise ReportError(
            _l("This report is %(status)s and cannot be changed.", status=report.status.label)
        )
    if same_content(report, values):
        return False
    _apply(report, values)
    report.updated_at = utcnow()  # lines live in other tables: bump the report's version
    db.session.flush()
    activity.record("store_report.update", report, details=_summary(report), actor=actor)
    return True


def _apply(report: StoreReport, values: ReportValues) -> None:
    for name in SCALARS:
        setattr(report, name, getattr(values, name))
    set_actuals(report, values.actuals, replace=True)
    report.competitor_activities.clear()
    db.session.flush()
    for position, (competitor, kind, observation) in enumerate(values.competitors):
        report.competitor_activities.append(
            CompetitorActivity(
                position=position,
                competitor=competitor,
                kind=CompetitorActivityKind(kind),
                observation=observation,
            )
        )
    db.session.flush()


def set_actuals(report: StoreReport, actuals: dict[int, tuple[int, int]], *, replace: bool) -> int:
    """Write actuals per product line; `replace` also drops lines not given. Returns changes."""
    current = {line.product_line_id: line for line in report.lines}
    changed = 0
    if replace:
        for line_id, line in current.items():
            if line_id not in actuals:
                report.lines.remove(line)
                changed += 1
    for line_id, (revenue, units) in actuals.items():
        line = current.get(line_id)
        if line is None:
            report.lines.append(
                StoreReportLine(product_line_id=line_id, revenue_minor=revenue, units=units)
            )
            changed += 1
        elif (line.revenue_minor, line.units) != (revenue, units):
            line.revenue_minor, line.units = revenue, units
            changed += 1
    return changed


def submit_report(report: StoreReport, *, actor: User) -> None:
    LIFECYCLE.check(report, ReportAction.SUBMIT)
    if not report.lines:
        raise ReportError(_l("Enter the actuals of at least one product line before submitting."))
    LIFECYCLE.move(report, ReportAction.SUBMIT, actor=actor)


def review_report(report: StoreReport, *, actor: User, comment: str = "") -> None:
    LIFECYCLE.move(report, ReportAction.REVIEW, actor=actor, comment=comment)


def return_report(report: StoreReport, *, actor: User, comment: str) -> None:
    LIFECYCLE.move(report, ReportAction.RETURN, actor=actor, comment=comment)


# Attachments


def attachments_of(report: StoreReport) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.owner_type == REPORT_OWNER_TYPE, Attachment.owner_id == report.id)
            .order_by(Attachment.id)
        )
    )


def check_attachments(uploads: Iterable[FileStorage]) -> list[storage.CheckedUpload]:
    """Validate and clean the chosen files before the report is written (photos decode in
    limited children, for seconds); refused with the messages `add_attachments` gives."""
    files = [upload for upload in uploads if upload and upload.filename]
    if len(files) > ATTACHMENTS_MAX:
        raise ReportError(_l("A report holds at most %(max)d files.", max=ATTACHMENTS_MAX), "files")
    checked = []
    for upload in files:
        try:
            checked.append(storage.check_upload(upload))
        except storage.UploadRejected as error:
            raise _refused(upload, error) from None
    return checked


def _refused(upload: FileStorage | storage.CheckedUpload, error: Exception) -> ReportError:
    name = storage.safe_filename(upload.filename, "application/pdf").rsplit(".", 1)[0]
    return ReportError(f"{name}: {error}", "files")


def add_attachments(
    report: StoreReport,
    uploads: Iterable[FileStorage | storage.CheckedUpload],
    *,
    actor: User,
) -> list[Attachment]:
    """Validate (unless `check_attachments` did) and store each file; on any refusal,
    remove the ones already stored."""
    files = [upload for upload in uploads if upload and upload.filename]
    if not files:
        return []
    if report.status not in EDITABLE:
        raise ReportError(_l("Files can only be added to a draft or returned report."), "files")
    if len(attachments_of(report)) + len(files) > ATTACHMENTS_MAX:
        raise ReportError(_l("A report holds at most %(max)d files.", max=ATTACHMENTS_MAX), "files")
    saved: list[Attachment] = []
    try:
        for upload in files:
            saved.append(
                storage.save_upload(
                    upload,
                    owner_type=REPORT_OWNER_TYPE,
                    owner_id=report.id,
                    dealer_id=report.dealer_id,
                    uploaded_by=actor,
                )
            )
    except storage.UploadRejected as error:
        forget_files(saved)
        raise _refused(upload, error) from None
    except Exception:
        forget_files(saved)
        raise
    activity.record(
        "store_report.attach",
        report,
        details={"files": [a.filename for a in saved], "sha256": [a.sha256 for a in saved]},
        actor=actor,
    )
    return saved


def forget_files(saved: list[Attachment]) -> None:
    """Remove stored bytes of attachments whose rows are being rolled back."""
    for attachment in saved:
        storage.backend().delete(attachment.storage_key)


def remove_attachment(report: StoreReport, attachment: Attachment, *, actor: User) -> None:
    if report.status not in EDITABLE:
        raise ReportError(_l("Files of a submitted report cannot be removed."))
    if attachment.owner_type != REPORT_OWNER_TYPE or attachment.owner_id != report.id:
        raise ReportError(_l("This file does not belong to this report."))
    activity.record(
        "store_report.detach", report, details={"file": attachment.filename}, actor=actor
    )
    storage.discard(attachment)
    db.session.flush()
