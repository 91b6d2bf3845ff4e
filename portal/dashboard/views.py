"""Each role's home page, where the day's work starts, and the CSV exports of its tables."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import access, activity, charts, clock, listing, periods
from portal.access import audits as audit_access
from portal.access import prospects as prospect_access
from portal.access import public, signed_in, staff_only
from portal.access import targets as target_access
from portal.csvio import csv_response
from portal.dashboard import staff, visits
from portal.database import write_intent
from portal.extensions import db
from portal.metrics import complaints as complaint_metrics
from portal.metrics import contracts as contract_metrics
from portal.metrics import dealer_figures, home_rows
from portal.metrics import health as health_metrics
from portal.metrics import notices as notice_metrics
from portal.metrics import plans as plan_metrics
from portal.metrics import prospects as prospect_metrics
from portal.metrics import receivables as receivable_metrics
from portal.metrics import targets as target_metrics
from portal.metrics.home import Periods
from portal.models import (
    ActivityEntry,
    Audit,
    AuditStatus,
    DealerFigures,
    ProductLine,
    Store,
    User,
)
from portal.models.prospects import PIPELINE
from portal.money import to_decimal

bp = Blueprint("dashboard", __name__)
LATEST_AUDITS = 5
OVERDUE_NOTICES = 10
COMPLAINT_DEALERS = 10  # dealers with open complaints listed on a supervisor's home
COMPLAINTS_DUE = 3  # a dealer's open complaints listed by what falls due next


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/home")
@signed_in
def home():
    if current_user.is_dealer:
        return _dealer_home()
    return _staff_home()


def _counts(**counted) -> dict[str, int]:
    """Rows of each model matching its conditions ({name: (model, *conditions)}), in one
    query."""
    columns = [
        select(func.count()).select_from(model).where(*conditions).scalar_subquery().label(name)
        for name, (model, *conditions) in counted.items()
    ]
    row = db.session.execute(select(*columns)).one()
    return {name: int(row._mapping[name] or 0) for name in counted}


def _table_params() -> listing.ListParams:
    return listing.read_params(staff.SORTABLE, "dealer", staff.FILTERS)


def _staff_home():
    data = staff.gather(current_user)
    params = _table_params()
    ranked = staff.needing_visit(data)
    scope = partial(access.dealer_scope, current_user)
    today = data.when.today
    overdue, more_overdue = staff.overdue_notices(data, limit=OVERDUE_NOTICES)
    context = {
        "data": data,
        "params": params,
        "page": staff.table_page(data, params),
        "ranked": ranked,
        "visit_stores": visits.stores_to_visit([row.line.id for row in ranked]),
        "weights": current_app.config["HEALTH_WEIGHTS"],
        "health_window": visits.health_window(data.when),
        "component_labels": {
            p.key: p.label for row in ranked if row.health for p in row.health.parts
        },
        "penalties": {
            **health_metrics.DEFAULT_PENALTIES,
            **current_app.config["HEALTH_PENALTIES"],
        },
        "due": data.due,
        "audit_card": _staff_audit_card(data),
        "score_chart": staff.score_chart(data),
        "overdue_notices": overdue,
        "more_overdue_notices": more_overdue,
        **_contract_card(scope, today),
        **_complaints_card(scope, data.regions, admin=current_user.is_admin),
        **_receivables_card(scope, today),
        **_prospects_card(),
    }
    if not current_user.is_admin:  # head office has the whole overview (targets.index)
        context.update(_targets_card(today))
    if current_user.is_admin:
        counts = {
            "regions": len(data.regions),
            "dealers": data.total.dealers,
            "stores": data.total.stores,
            **_counts(
                product_lines=(ProductLine, ProductLine.active.is_(True)),
                users=(User, User.active.is_(True)),
            ),
        }
        newest_first = (ActivityEntry.at.desc(), ActivityEntry.id.desc())
        recent = db.session.scalars(select(ActivityEntry).order_by(*newest_first).limit(5)).all()
        return render_template("dashboard/admin.html", counts=counts, recent=recent, **context)
    return render_template("dashboard/supervisor.html", **context)


def _contract_card(scope, today) -> dict[str, object]:
    """The contracts and qualification documents that ended or end soon: the first
    HOME_CONTRACT_ALERTS of each, and how many."""
    within = int(current_app.config["CONTRACT_WARNING_DAYS"])
    limit = int(current_app.config["HOME_CONTRACT_ALERTS"])
    alerts, count = contract_metrics.contract_alerts(
        scope, today=today, within_days=within, limit=limit
    )
    documents, documents_total = contract_metrics.document_alerts(
        scope, today=today, within_days=within, limit=limit
    )
    return {
        "contract_alerts": alerts,
        "contract_alerts_total": count,
        "document_alerts": documents,
        "document_alerts_total": documents_total,
    }


def _complaints_card(scope, regions, *, admin: bool) -> dict[str, object]:
    """Complaints in scope: open and late now, shares this month and over 12 months; per
    region for admins (`regions`: the regions the page has read), the dealers with the most
    late and open complaints for supervisors."""
    now = clock.now()
    context: dict[str, object] = {"forward_hours": current_app.config["COMPLAINT_FORWARD_HOURS"]}
    if admin:
        named = {region.id: (region.code, region.name) for region in regions}
        card, lines = complaint_metrics.network_view(scope, now, regions=None, named=named)
        context.update(complaints=card, complaint_regions=lines)
    else:
        regions = access.region_ids_of(current_user)
        card, dealers, total = complaint_metrics.dealer_view(
            scope, now, regions=regions, limit=COMPLAINT_DEALERS
        )
        context.update(complaints=card, complaint_dealers=dealers, complaint_dealers_total=total)
    return context


def _targets_card(today) -> dict[str, object]:
    """Each region in scope: this year's target, allocation, forecast and actual."""
    regions = db.session.scalars(target_access.target_regions(current_user)).all()
    cards = target_metrics.region_cards([region.id for region in regions], periods.of(today))
    names = {region.id: region.name for region in regions}
    return {"target_cards": [(names[card.region_id], card) for card in cards]}


def _receivables_card(scope, today) -> dict[str, object]:
    """Dealers over their credit limit or with too much overdue beyond 60 days: the first
    HOME_RECEIVABLES_ALERTS (id, code and name, with their standing), and how many."""
    shown, total = receivable_metrics.flagged_dealers(
        scope, today, limit=int(current_app.config["HOME_RECEIVABLES_ALERTS"])
    )
    return {
        "receivable_flags": shown,
        "receivable_flags_total": total,
        "receivable_late_share": receivable_metrics.late_share_limit() * 100,
    }


def _prospects_card() -> dict[str, object]:
    """Open prospects per stage in the user's regions (one grouped count)."""
    counts = prospect_metrics.open_count(partial(prospect_access.region_scope, current_user))
    stages = [(stage, counts[stage]) for stage in PIPELINE if counts.get(stage)]
    return {"prospect_stages": stages}


def _staff_audit_card(data: staff.StaffHome) -> dict[str, int]:
    card = dict(data.actions)
    card.update({"audits_overdue": data.total.audits.overdue, "audits_due": data.total.audits.due})
    return card


def _dealer_home():
    """The dealer's own row of figures, its stores, its months and its latest audits."""
    dealer = current_user.dealer
    today = clock.today()
    when = Periods.of(today)
    current = periods.of(today)
    last_month = when.month
    figures = db.session.get(DealerFigures, dealer.id)
    fresh = figures is not None and dealer_figures.is_current(figures, today)
    card = dealer_card(figures, when)
    if fresh:  # the navigation badge shows the same number as the page's card
        notice_metrics.known_to_acknowledge(dealer.id, card["inbox"]["to_acknowledge"])
    months = plan_metrics.monthly(dealer.id, periods.shift(current, -11), current)
    latest = db.session.scalars(
        audit_access.visible_audits(current_user)
        .where(Audit.status == AuditStatus.COMPLETED)
        .options(joinedload(Audit.store))
        .order_by(Audit.completed_at.desc(), Audit.id.desc())
        .limit(LATEST_AUDITS)
    ).all()
    return render_template(
        "dashboard/dealer.html",
        dealer=dealer,
        stale=not fresh,
        stores=db.session.scalars(
            select(Store)
            .where(Store.dealer_id == dealer.id, Store.active.is_(True))
            .order_by(Store.code)
        ).all(),
        current=current,
        last_month=last_month,
        ytd_first=when.ytd_first,
        this_month=dict(months).get(current, plan_metrics.EMPTY),
        months=months,
        latest=latest,
        trend=_dealer_trend(latest),
        complaints=complaint_metrics.dealer_open_counts(dealer.id, clock.now()),
        complaints_due=complaint_metrics.due_next(dealer.id, clock.now(), limit=COMPLAINTS_DUE),
        target=target_metrics.dealer_target(dealer.id, current),
        receivables=receivable_metrics.dealer_standing(
            dealer.id, today, late_share=receivable_metrics.late_share_limit()
        ),
        contract_standing=contract_metrics.dealer_standing(
            dealer, today=today, within_days=int(current_app.config["CONTRACT_WARNING_DAYS"])
        ),
        **card,
    )


def dealer_card(figures: DealerFigures | None, when: Periods) -> dict[str, object]:
    """What the dealer's home shows from its row (nothing counted while it has none)."""
    config = current_app.config
    due_days = int(config["REPORT_DUE_DAYS"])
    plan_due = plan_metrics.plan_due(when.plan_period, int(config["PLAN_DUE_DAY"]))
    report_due = plan_metrics.report_due(when.report_period, due_days)
    if figures is None:
        plan = plan_metrics.PlanState(None, None, plan_due, plan_metrics.NOT_DUE)
        reports, month, ytd = plan_metrics.ReportCounts(), plan_metrics.EMPTY, plan_metrics.EMPTY
        counts: dict[str, int] = {}
    else:
        plan = home_rows.plan_state(figures, plan_due)
        tally = home_rows.report_tally(figures)
        reports = plan_metrics.ReportCounts(
            tally.expected, tally.on_time, tally.late, tally.missing, tally.open
        )
        month = dealer_figures.figures_of(figures, "month")
        ytd = dealer_figures.figures_of(figures, "ytd")
        counts = {
            name: getattr(figures, name)
            for name in (
                "plans_returned", "reports_returned", "actions_to_answer",
                "actions_to_answer_overdue", "notices", "notices_acknowledged",
                "executions_pending", "executions_overdue", "audits_due_announced",
            )
        }  # fmt: skip
    count = lambda name: int(counts.get(name, 0))  # noqa: E731
    return {
        "due": plan_metrics.DealerDue(
            plan_period=when.plan_period,
            plan=plan,
            report_period=when.report_period,
            report_due=report_due,
            reports=reports,
            returned_plans=count("plans_returned"),
            returned_reports=count("reports_returned"),
        ),
        "audit_card": {
            "to_answer": count("actions_to_answer"),
            "to_answer_overdue": count("actions_to_answer_overdue"),
        },
        "upcoming": {"due": count("audits_due_announced")},
        "inbox": {"to_acknowledge": count("notices") - count("notices_acknowledged")},
        "executions": {
            "pending": count("executions_pending"),
            "overdue": count("executions_overdue"),
        },
        "month": month,
        "ytd": ytd,
    }


def _dealer_trend(latest: list[Audit]):
    """The dealer's recent completed audit scores, oldest first, as a line chart."""
    points = [(a.completed_at.date().isoformat(), a.score) for a in reversed(latest)]
    if len(points) < 2:
        return None
    labels, scores = zip(*points, strict=True)
    return _trend_chart(str(get_locale()), labels, scores)


@lru_cache(maxsize=256)
def _trend_chart(_locale: str, labels: tuple[str, ...], scores: tuple[Any, ...]) -> Markup:
    """The chart of these scores in this language (kept: it changes only with an audit)."""
    return charts.line_chart(
        list(labels),
        [charts.Series(_("Audit score"), list(scores))],
        title=_("Your audit scores"),
        y_min=0,
        y_max=100,
    )


# Exports of the home pages' tables


def _percent(basis_points: int | None) -> Decimal | None:
    return None if basis_points is None else (Decimal(basis_points) / 100).quantize(Decimal("0.01"))


def _logged_csv(name: str, filename: str, header, rows) -> object:
    rows = list(rows)
    db.session.commit()  # end the read transaction; the log entry gets a write one
    with write_intent():
        activity.record("home.export", details={"export": name})
        db.session.commit()
    return csv_response(filename, header, rows)


@bp.route("/home/dealers.csv")
@staff_only
def dealers_export():
    data = staff.gather(current_user)
    params = _table_params()
    names = data.region_names
    keys = list(current_app.config["HEALTH_WEIGHTS"])
    header = [
        "dealer_code", "dealer_name", "region", "status", "stores", "month",
        "month_target_revenue", "month_actual_revenue", "month_attainment_percent",
        "month_unmatched_actual_revenue", "ytd_target_revenue", "ytd_actual_revenue",
        "ytd_attainment_percent", "ytd_unmatched_actual_revenue", "plan_period",
        "plan_timeliness", "report_period", "reports_expected",
        "reports_submitted", "reports_late", "reports_missing", "audits_overdue", "audits_due",
        "audit_average", "last_audit", "actions_open", "actions_overdue", "notices",
        "acknowledged", "health", *(f"health_{key}" for key in keys), "health_penalty",
    ]  # fmt: skip
    rows = []
    for row in staff.table(data, params):
        line, health = row.line, row.health
        parts = {p.key: p.value for p in health.parts} if health else {}
        rows.append(
            [
                line.code, line.name, names.get(line.region_id, ""), line.status,
                line.stores, data.when.month, to_decimal(line.month.target_revenue),
                to_decimal(line.month.actual_revenue), _percent(line.month.attainment_bp),
                to_decimal(line.month.unmatched_revenue), to_decimal(line.ytd.target_revenue),
                to_decimal(line.ytd.actual_revenue), _percent(line.ytd.attainment_bp),
                to_decimal(line.ytd.unmatched_revenue), data.when.plan_period,
                line.plan.timeliness,
                data.when.report_period, line.reports.expected, line.reports.submitted,
                line.reports.late, line.reports.missing, line.audits.overdue, line.audits.due,
                line.audits.average,
                line.audits.last_completed.date() if line.audits.last_completed else None,
                line.open_actions, line.overdue_actions, line.notices, line.acknowledged,
                health.score if health else None, *(parts.get(key) for key in keys),
                health.penalty_points if health else None,
            ]
        )  # fmt: skip
    return _logged_csv("dealers", f"home-dealers-{data.when.month}.csv", header, rows)


@bp.route("/home/regions.csv")
@staff_only
def regions_export():
    data = staff.gather(current_user)
    header = [
        "region_code", "region", "dealers", "stores", "month", "month_attainment_percent",
        "ytd_attainment_percent", "plans_missing", "reports_late", "reports_missing",
        "audits_overdue", "audits_due", "audit_average", "actions_open", "actions_overdue",
        "acknowledgement_rate_percent",
    ]  # fmt: skip
    rows = [
        [
            row.region.code, row.region.name, row.dealers, row.stores, data.when.month,
            _percent(row.month.attainment_bp), _percent(row.ytd.attainment_bp),
            row.plans_missing, row.reports.late, row.reports.missing, row.audits.overdue,
            row.audits.due, row.audits.average, row.open_actions, row.overdue_actions,
            row.acknowledgement_rate,
        ]
        for row in data.region_rows
    ]  # fmt: skip
    return _logged_csv("regions", f"home-regions-{data.when.month}.csv", header, rows)


@bp.route("/home/visits.csv")
@staff_only
def visits_export():
    data = staff.gather(current_user)
    names = data.region_names
    header = ["rank", "dealer_code", "dealer_name", "region", "health", "component", "weight",
              "value", "points", "detail"]  # fmt: skip
    rows = []
    for number, row in enumerate(staff.needing_visit(data, every=True), start=1):
        line, health = row.line, row.health
        lead = [number, line.code, line.name, names.get(line.region_id, ""), health.score]
        rows += [[*lead, p.key, p.weight, p.value, p.points, p.detail] for p in health.parts]
        rows += [[*lead, p.key, "", "", -p.points, p.detail] for p in health.penalties]
    return _logged_csv("visits", f"home-visits-{data.when.month}.csv", header, rows)


@bp.route("/home/audits.csv")
@signed_in
def audits_export():
    """Completed audits in scope, newest first (the dealer's "latest audit results")."""
    audits = db.session.scalars(
        audit_access.visible_audits(current_user)
        .where(Audit.status == AuditStatus.COMPLETED)
        .options(joinedload(Audit.store), joinedload(Audit.dealer))
        .order_by(Audit.completed_at.desc(), Audit.id.desc())
        .limit(1000)
    ).all()
    header = ["completed", "dealer_code", "store_code", "store_name", "score", "grade", "passed"]
    rows = [
        [
            a.completed_at.date() if a.completed_at else None,
            a.dealer.code,
            a.store.code,
            a.store.name,
            a.score,
            a.grade,
            "yes" if a.passed else "no",
        ]
        for a in audits
    ]
    return _logged_csv("audits", "audits.csv", header, rows)
