"""plan_actual_totals: plan against actual summed per dealer and period, backfilled

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The same sums as portal.metrics.rollup.source() (and plan_vs_actual): targets from
# approved plans, actuals from submitted and reviewed reports. Written out here so the
# migration does not change when the application's models do.
BACKFILL = """
INSERT INTO plan_actual_totals
    (dealer_id, period, t_revenue, a_revenue, t_units, a_units, t_lines, a_lines)
SELECT dealer_id, period,
       SUM(t_revenue), SUM(a_revenue), SUM(t_units), SUM(a_units), SUM(t_lines), SUM(a_lines)
FROM (
    SELECT p.dealer_id AS dealer_id, p.period AS period,
           l.revenue_minor AS t_revenue, 0 AS a_revenue, l.units AS t_units, 0 AS a_units,
           1 AS t_lines, 0 AS a_lines
    FROM sales_plan_lines l JOIN sales_plans p ON p.id = l.plan_id
    WHERE p.status IN ('approved')
    UNION ALL
    SELECT r.dealer_id, r.period, 0, l.revenue_minor, 0, l.units, 0, 1
    FROM store_report_lines l JOIN store_reports r ON r.id = l.report_id
    WHERE r.status IN ('submitted', 'reviewed')
) AS plan_actual_lines
GROUP BY dealer_id, period
"""


def upgrade():
    op.create_table('plan_actual_totals',
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('t_revenue', sa.BigInteger(), nullable=False),
    sa.Column('a_revenue', sa.BigInteger(), nullable=False),
    sa.Column('t_units', sa.BigInteger(), nullable=False),
    sa.Column('a_units', sa.BigInteger(), nullable=False),
    sa.Column('t_lines', sa.BigInteger(), nullable=False),
    sa.Column('a_lines', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_plan_actual_totals_dealer_id_dealers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dealer_id', 'period', name=op.f('pk_plan_actual_totals'))
    )
    with op.batch_alter_table('plan_actual_totals', schema=None) as batch_op:
        batch_op.create_index('ix_plan_actual_totals_period', ['period'], unique=False)
    op.execute(sa.text(BACKFILL))


def downgrade():
    with op.batch_alter_table('plan_actual_totals', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_actual_totals_period')
    op.drop_table('plan_actual_totals')
