"""plan_actual_totals: actuals matched to an approved target, and actuals without one

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 17:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

NEW_COLUMNS = ('u_revenue', 'u_units', 'u_lines')

# The same sums as portal.metrics.rollup.source() (and plan_vs_actual): targets from
# approved plans; actuals from submitted and reviewed reports, matched (a_*) when the
# approved plan of their dealer and period has a line for their store and product line,
# else without a target (u_*). Written out here so the migration does not change when the
# application's models do.
BACKFILL = """
INSERT INTO plan_actual_totals
    (dealer_id, period, t_revenue, a_revenue, t_units, a_units, t_lines, a_lines,
     u_revenue, u_units, u_lines)
SELECT dealer_id, period,
       SUM(t_revenue), SUM(a_revenue), SUM(t_units), SUM(a_units), SUM(t_lines), SUM(a_lines),
       SUM(u_revenue), SUM(u_units), SUM(u_lines)
FROM (
    SELECT p.dealer_id AS dealer_id, p.period AS period,
           l.revenue_minor AS t_revenue, 0 AS a_revenue, l.units AS t_units, 0 AS a_units,
           1 AS t_lines, 0 AS a_lines, 0 AS u_revenue, 0 AS u_units, 0 AS u_lines
    FROM sales_plan_lines l JOIN sales_plans p ON p.id = l.plan_id
    WHERE p.status IN ('approved')
    UNION ALL
    SELECT r.dealer_id, r.period, 0,
           CASE WHEN tl.id IS NOT NULL THEN l.revenue_minor ELSE 0 END,
           0,
           CASE WHEN tl.id IS NOT NULL THEN l.units ELSE 0 END,
           0,
           CASE WHEN tl.id IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN tl.id IS NULL THEN l.revenue_minor ELSE 0 END,
           CASE WHEN tl.id IS NULL THEN l.units ELSE 0 END,
           CASE WHEN tl.id IS NULL THEN 1 ELSE 0 END
    FROM store_report_lines l
    JOIN store_reports r ON r.id = l.report_id
    LEFT OUTER JOIN sales_plans tp
        ON tp.dealer_id = r.dealer_id AND tp.period = r.period AND tp.status IN ('approved')
    LEFT OUTER JOIN sales_plan_lines tl
        ON tl.plan_id = tp.id AND tl.store_id = r.store_id
       AND tl.product_line_id = l.product_line_id
    WHERE r.status IN ('submitted', 'reviewed')
) AS plan_actual_lines
GROUP BY dealer_id, period
"""

# Before 0012 the actuals were every reported line, matched or not.
RESTORE = """
UPDATE plan_actual_totals
SET a_revenue = a_revenue + u_revenue, a_units = a_units + u_units, a_lines = a_lines + u_lines
"""


def upgrade():
    with op.batch_alter_table('plan_actual_totals', schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), nullable=False, server_default='0')
            )
    # Every row changes meaning (a_* now counts matched actuals only): recompute them all.
    op.execute(sa.text('DELETE FROM plan_actual_totals'))
    op.execute(sa.text(BACKFILL))


def downgrade():
    op.execute(sa.text(RESTORE))
    with op.batch_alter_table('plan_actual_totals', schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.drop_column(name)
