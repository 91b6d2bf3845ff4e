"""Regions side by side: each region's totals are the sums of its dealers' figures
(`portal.metrics.home_totals.totals` sums them per region in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from portal.metrics import plans as plan_metrics
from portal.metrics.home import AuditTally, ReportTally, percent
from portal.models import Region


@dataclass(frozen=True)
class RegionRef:
    """A region as the home pages name it: plain data, safe to keep beyond a request."""

    id: int
    code: str
    name: str

    @classmethod
    def of(cls, region: Region) -> RegionRef:
        return cls(region.id, region.code, region.name)

    def __str__(self) -> str:
        return self.name


@dataclass
class RegionLine:
    """A region's totals (sums of its dealers' lines)."""

    region: RegionRef
    dealers: int = 0
    stores: int = 0
    month: plan_metrics.Figures = plan_metrics.EMPTY
    ytd: plan_metrics.Figures = plan_metrics.EMPTY
    plans_missing: int = 0
    reports: ReportTally = field(default_factory=ReportTally)
    audits: AuditTally = field(default_factory=AuditTally)
    open_actions: int = 0
    overdue_actions: int = 0
    notices: int = 0
    acknowledged: int = 0

    @property
    def acknowledgement_rate(self) -> Decimal | None:
        return percent(self.acknowledged, self.notices)


def _add_reports(a: ReportTally, b: ReportTally) -> ReportTally:
    return ReportTally(
        a.expected + b.expected,
        a.on_time + b.on_time,
        a.late + b.late,
        a.missing + b.missing,
        a.open + b.open,
    )


def _add_audits(a: AuditTally, b: AuditTally) -> AuditTally:
    latest = [x for x in (a.last_completed, b.last_completed) if x is not None]
    return AuditTally(
        a.completed + b.completed,
        a.score_sum + b.score_sum,
        max(latest) if latest else None,
        a.overdue + b.overdue,
        a.due + b.due,
    )


def network_total(regions: list[RegionLine]) -> RegionLine:
    """All regions together (the region field is left empty)."""
    total = RegionLine(region=RegionRef(0, "", ""))
    for line in regions:
        total = replace(
            total,
            dealers=total.dealers + line.dealers,
            stores=total.stores + line.stores,
            month=plan_metrics.add(total.month, line.month),
            ytd=plan_metrics.add(total.ytd, line.ytd),
            plans_missing=total.plans_missing + line.plans_missing,
            reports=_add_reports(total.reports, line.reports),
            audits=_add_audits(total.audits, line.audits),
            open_actions=total.open_actions + line.open_actions,
            overdue_actions=total.overdue_actions + line.overdue_actions,
            notices=total.notices + line.notices,
            acknowledged=total.acknowledged + line.acknowledged,
        )
    return total
