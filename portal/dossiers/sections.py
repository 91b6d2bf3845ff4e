"""The dealer file's targets and receivables sections: what their partial templates show
(`pdf/_dealer_file_targets.html`, `pdf/_dealer_file_receivables.html`), every figure from
portal/metrics so it agrees with the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from portal import charts, periods
from portal.metrics import dealer_targets
from portal.metrics import receivable_history as history
from portal.metrics import receivables as receivable_metrics

TREND_MONTHS = 12


def targets(dealer_id: int, on: date) -> dealer_targets.DealerYear:
    """The year of `on`: approved allocation, plans and actuals per month; to date through
    last month (this month's actuals are not due yet)."""
    current = periods.of(on)
    return dealer_targets.dealer_year(dealer_id, on.year, to_date=periods.shift(current, -1))


@dataclass(frozen=True)
class Receivables:
    """Today's aging, DSO and credit (as on the statement) and the DSO of the last months."""

    standing: receivable_metrics.Standing
    buckets: list[tuple[str, str]]
    trend: list[history.Position]
    chart: Markup | None


def receivables(dealer_id: int, on: date) -> Receivables:
    late_share = receivable_metrics.late_share_limit()
    standing = receivable_metrics.dealer_standing(dealer_id, on, late_share=late_share)
    trend = history.dso_trend(dealer_id, on, TREND_MONTHS)
    return Receivables(
        standing=standing,
        buckets=receivable_metrics.bucket_labels(),
        trend=trend,
        chart=_dso_chart(trend),
    )


def _dso_chart(trend: list[history.Position]) -> Any:
    known = [position.dso for position in trend if position.dso is not None]
    if len(known) < 2:
        return None
    return charts.line_chart(
        [periods.of(position.day)[2:] for position in trend],
        [charts.Series(_("DSO (days)"), [position.dso for position in trend])],
        title=_("Days sales outstanding, last 12 months"),
        y_min=0,
        y_max=max(float(max(known)), 1.0),
        height=200,
        table=False,
    )
