"""indexes for the pages' queries on a large network (issue 7, scale)

Revision ID: 0007
Revises: 0006

Follows the dealer files (0006). It only adds indexes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

INDEXES = [
    ('sales_plan_lines', 'ix_sales_plan_lines_plan_figures', ['plan_id', 'revenue_minor', 'units']),
    ('store_reports', 'ix_store_reports_dealer_period_status', ['dealer_id', 'period', 'status']),
    ('store_report_lines', 'ix_store_report_lines_report_figures', ['report_id', 'revenue_minor', 'units']),
    ('audits', 'ix_audits_status_store_completed', ['status', 'store_id', 'completed_at']),
    ('audits', 'ix_audits_status_scheduled_for', ['status', 'scheduled_for']),
]


# The review queues: partial indexes of the submitted rows only.
SUBMITTED = [
    ('sales_plans', 'ix_sales_plans_submitted'),
    ('store_reports', 'ix_store_reports_submitted'),
]


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    for table, name in SUBMITTED:
        where = sa.text("status = 'submitted'")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                name, ['submitted_at'], unique=False, sqlite_where=where, postgresql_where=where
            )


def downgrade():
    for table, name in reversed(SUBMITTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
