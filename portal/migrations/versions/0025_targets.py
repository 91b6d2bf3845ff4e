"""head office targets: region targets per year and product line with their months and revisions, seasonality profiles, allocations to dealers (lines, moves, transitions), regional forecasts (lines, transitions); a plan's reason for being below its target

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-14 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('split', sa.Enum('profile', 'manual', name='target_split', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_region_targets_product_line_id_product_lines')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_targets_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_targets')),
    sa.UniqueConstraint('region_id', 'year', 'product_line_id', name='uq_region_targets_region_year_line')
    )
    with op.batch_alter_table('region_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_targets_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_region_targets_year', ['year'], unique=False)

    op.create_table('seasonality_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('weights', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_seasonality_profiles_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seasonality_profiles')),
    sa.UniqueConstraint('region_id', name='uq_seasonality_profiles_region_id')
    )
    with op.batch_alter_table('seasonality_profiles', schema=None) as batch_op:
        batch_op.create_index('uq_seasonality_profiles_default', [sa.text('(region_id IS NULL)')], unique=True, sqlite_where=sa.text('region_id IS NULL'), postgresql_where=sa.text('region_id IS NULL'))
    op.create_table('region_target_months',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['region_targets.id'], name=op.f('fk_region_target_months_target_id_region_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_id', 'month', name=op.f('pk_region_target_months'))
    )
    op.create_table('forecasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'revision', name='forecast_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_forecasts_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_forecasts_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecasts')),
    sa.UniqueConstraint('region_id', 'period', name='uq_forecasts_region_period')
    )
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecasts_region_id'), ['region_id'], unique=False)

    op.create_table('region_target_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_region_target_revisions_actor_id_users')),
    sa.ForeignKeyConstraint(['target_id'], ['region_targets.id'], name=op.f('fk_region_target_revisions_target_id_region_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_target_revisions')),
    sa.UniqueConstraint('target_id', 'revision', name='uq_region_target_revisions_revision')
    )
    op.create_table('target_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'returned', name='allocation_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_target_allocations_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_target_allocations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_allocations')),
    sa.UniqueConstraint('region_id', 'year', name='uq_target_allocations_region_year')
    )
    with op.batch_alter_table('target_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_allocations_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_target_allocations_submitted', ['submitted_at'], unique=False, sqlite_where=sa.text("status = 'submitted'"), postgresql_where=sa.text("status = 'submitted'"))

    op.create_table('allocation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['target_allocations.id'], name=op.f('fk_allocation_lines_allocation_id_target_allocations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_allocation_lines_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_allocation_lines_product_line_id_product_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_lines')),
    sa.UniqueConstraint('allocation_id', 'dealer_id', 'product_line_id', 'period', name='uq_allocation_lines_cell')
    )
    with op.batch_alter_table('allocation_lines', schema=None) as batch_op:
        batch_op.create_index('ix_allocation_lines_dealer_period', ['dealer_id', 'period'], unique=False)

    op.create_table('allocation_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('from_dealer_id', sa.Integer(), nullable=False),
    sa.Column('to_dealer_id', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_allocation_moves_actor_id_users')),
    sa.ForeignKeyConstraint(['allocation_id'], ['target_allocations.id'], name=op.f('fk_allocation_moves_allocation_id_target_allocations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_dealer_id'], ['dealers.id'], name=op.f('fk_allocation_moves_from_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_allocation_moves_product_line_id_product_lines')),
    sa.ForeignKeyConstraint(['to_dealer_id'], ['dealers.id'], name=op.f('fk_allocation_moves_to_dealer_id_dealers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_moves'))
    )
    with op.batch_alter_table('allocation_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_moves_allocation_id'), ['allocation_id'], unique=False)

    op.create_table('allocation_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('create', 'submit', 'approve', 'return', 'reopen', name='allocation_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'submitted', 'approved', 'returned', name='allocation_transition_from', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'submitted', 'approved', 'returned', name='allocation_transition_to', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_allocation_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['allocation_id'], ['target_allocations.id'], name=op.f('fk_allocation_transitions_allocation_id_target_allocations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_transitions'))
    )
    with op.batch_alter_table('allocation_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_transitions_allocation_id'), ['allocation_id'], unique=False)

    op.create_table('forecast_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forecast_id', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('suggested_revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('suggested_units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['forecast_id'], ['forecasts.id'], name=op.f('fk_forecast_lines_forecast_id_forecasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_forecast_lines_product_line_id_product_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast_lines')),
    sa.UniqueConstraint('forecast_id', 'product_line_id', 'period', name='uq_forecast_lines_cell')
    )
    op.create_table('forecast_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forecast_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('create', 'submit', 'request_revision', name='forecast_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'submitted', 'revision', name='forecast_transition_from', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'submitted', 'revision', name='forecast_transition_to', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_forecast_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['forecast_id'], ['forecasts.id'], name=op.f('fk_forecast_transitions_forecast_id_forecasts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast_transitions'))
    )
    with op.batch_alter_table('forecast_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_transitions_forecast_id'), ['forecast_id'], unique=False)

    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('below_target_reason', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.drop_column('below_target_reason')

    with op.batch_alter_table('forecast_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_transitions_forecast_id'))

    op.drop_table('forecast_transitions')
    op.drop_table('forecast_lines')
    with op.batch_alter_table('allocation_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_transitions_allocation_id'))

    op.drop_table('allocation_transitions')
    with op.batch_alter_table('allocation_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_moves_allocation_id'))

    op.drop_table('allocation_moves')
    with op.batch_alter_table('allocation_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_allocation_lines_dealer_period')

    op.drop_table('allocation_lines')
    with op.batch_alter_table('target_allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_target_allocations_submitted', sqlite_where=sa.text("status = 'submitted'"), postgresql_where=sa.text("status = 'submitted'"))
        batch_op.drop_index(batch_op.f('ix_target_allocations_region_id'))

    op.drop_table('target_allocations')
    op.drop_table('region_target_revisions')
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecasts_region_id'))

    op.drop_table('forecasts')
    op.drop_table('region_target_months')
    with op.batch_alter_table('seasonality_profiles', schema=None) as batch_op:
        batch_op.drop_index('uq_seasonality_profiles_default', sqlite_where=sa.text('region_id IS NULL'), postgresql_where=sa.text('region_id IS NULL'))

    op.drop_table('seasonality_profiles')
    with op.batch_alter_table('region_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_region_targets_year')
        batch_op.drop_index(batch_op.f('ix_region_targets_region_id'))

    op.drop_table('region_targets')
