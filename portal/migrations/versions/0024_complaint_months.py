"""complaints counted per region and month of receipt (complaint_months), filled from the complaints; the open complaints' covering index

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-13 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_months',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('serious', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('forwarded', sa.Integer(), nullable=False),
    sa.Column('forwarded_on_time', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolved_on_time', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_complaint_months_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region_id', 'month', name=op.f('pk_complaint_months'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_open_figures', ['status', 'region_id', 'dealer_id', 'severity', 'received_at', 'forward_due_at', 'resolve_due_at'], unique=False)
    # The complaints already there, counted as the app keeps counting them from now on.
    month = "to_char(received_at, 'YYYY-MM')"
    if op.get_bind().dialect.name != 'postgresql':
        month = "strftime('%Y-%m', received_at)"
    counted = sa.select(
        sa.column('region_id'),
        sa.literal_column(month).label('month'),
        sa.func.count().label('total'),
        *(
            sa.func.sum(sa.case((sa.literal_column(condition), 1), else_=0)).label(name)
            for name, condition in (
                ('serious', "severity = 'serious'"),
                ('repeats', 'cycle > 0'),
                ('forwarded', 'forwarded_on_time IS NOT NULL'),
                ('forwarded_on_time', 'forwarded_on_time'),
                ('resolved', 'resolved_on_time IS NOT NULL'),
                ('resolved_on_time', 'resolved_on_time'),
            )
        ),
    ).select_from(sa.table('complaints')).group_by(sa.column('region_id'), sa.literal_column(month))
    months = sa.table('complaint_months', *(sa.column(name) for name in (
        'region_id', 'month', 'total', 'serious', 'repeats', 'forwarded', 'forwarded_on_time',
        'resolved', 'resolved_on_time')))
    op.execute(months.insert().from_select(
        ['region_id', 'month', 'total', 'serious', 'repeats', 'forwarded', 'forwarded_on_time',
         'resolved', 'resolved_on_time'], counted))


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_open_figures')
    op.drop_table('complaint_months')
