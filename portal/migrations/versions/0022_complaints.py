"""complaints: categories, complaints, their log and escalations; regions' business calendars

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-13 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('resolve_days', sa.SmallInteger(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_complaint_categories_code'))
    )
    op.create_table('holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_holidays_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holidays'))
    )
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.create_index('ix_holidays_day', ['day'], unique=False)
        batch_op.create_index('uq_holidays_network_day', ['day'], unique=True, sqlite_where=sa.text('region_id IS NULL'), postgresql_where=sa.text('region_id IS NULL'))
        batch_op.create_index('uq_holidays_region_day', ['region_id', 'day'], unique=True, sqlite_where=sa.text('region_id IS NOT NULL'), postgresql_where=sa.text('region_id IS NOT NULL'))

    op.create_table('region_hours',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('opens < closes', name=op.f('ck_region_hours_opens_before_closes')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_region_hours_weekday_0_to_6')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_hours_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region_id', 'weekday', name=op.f('pk_region_hours'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('phone', 'in_store', 'online', 'social_media', 'consumer_association', name='complaint_channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('severity', sa.Enum('normal', 'serious', name='complaint_severity', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('serious_kind', sa.Enum('injury', 'safety', 'media', 'regulator', name='complaint_serious_kind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('customer_name', sa.String(length=120), nullable=False),
    sa.Column('customer_phone', sa.String(length=40), nullable=False),
    sa.Column('customer_email', sa.String(length=254), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('received', 'forwarded', 'in_progress', 'resolved', 'closed', 'reopened', name='complaint_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('forwarded_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('cycle', sa.SmallInteger(), nullable=False),
    sa.Column('forward_due_at', sa.DateTime(), nullable=False),
    sa.Column('resolve_due_at', sa.DateTime(), nullable=False),
    sa.Column('forwarded_on_time', sa.Boolean(), nullable=True),
    sa.Column('resolved_on_time', sa.Boolean(), nullable=True),
    sa.Column('next_alert_at', sa.DateTime(), nullable=True),
    sa.Column('remedy', sa.Enum('repair', 'replacement', 'refund', 'apology', 'none', name='complaint_remedy', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('cost_minor IS NULL OR cost_minor >= 0', name=op.f('ck_complaints_cost_not_negative')),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5', name=op.f('ck_complaints_satisfaction_1_to_5')),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'], name=op.f('fk_complaints_category_id_complaint_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_complaints_created_by_id_users')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_complaints_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_complaints_product_line_id_product_lines')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_complaints_region_id_regions')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_complaints_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('client_key', name=op.f('uq_complaints_client_key'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_complaints_dealer_received', ['dealer_id', 'received_at'], unique=False)
        batch_op.create_index('ix_complaints_next_alert', ['next_alert_at'], unique=False, sqlite_where=sa.text('next_alert_at IS NOT NULL'), postgresql_where=sa.text('next_alert_at IS NOT NULL'))
        batch_op.create_index('ix_complaints_region_received', ['region_id', 'received_at'], unique=False)
        batch_op.create_index('ix_complaints_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_store_id'), ['store_id'], unique=False)

    op.create_table('complaint_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('forward', 'resolve', name='complaint_target', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('level', sa.Enum('remind', 'supervisor', 'admin', name='complaint_alert_level', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('cycle', sa.SmallInteger(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_alerts_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_alerts')),
    sa.UniqueConstraint('complaint_id', 'target', 'level', 'cycle', name='uq_complaint_alerts_once')
    )
    op.create_table('complaint_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('receive', 'forward', 'start', 'resolve', 'close', 'reopen', name='complaint_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('from_status', sa.Enum('received', 'forwarded', 'in_progress', 'resolved', 'closed', 'reopened', name='complaint_transition_from', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum('received', 'forwarded', 'in_progress', 'resolved', 'closed', 'reopened', name='complaint_transition_to', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_complaint_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_transitions_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_transitions'))
    )
    with op.batch_alter_table('complaint_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_transitions_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='Asia/Shanghai', nullable=False))
        batch_op.add_column(sa.Column('after_sales_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('after_sales_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_regions_after_sales_user_id_users'), 'users', ['after_sales_user_id'], ['id'], ondelete='SET NULL', use_alter=True)



def downgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_regions_after_sales_user_id_users'), type_='foreignkey')
        batch_op.drop_column('after_sales_email')
        batch_op.drop_column('after_sales_user_id')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('complaint_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_transitions_complaint_id'))

    op.drop_table('complaint_transitions')
    op.drop_table('complaint_alerts')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_store_id'))
        batch_op.drop_index('ix_complaints_status_received')
        batch_op.drop_index('ix_complaints_region_received')
        batch_op.drop_index('ix_complaints_next_alert', sqlite_where=sa.text('next_alert_at IS NOT NULL'), postgresql_where=sa.text('next_alert_at IS NOT NULL'))
        batch_op.drop_index('ix_complaints_dealer_received')
        batch_op.drop_index(batch_op.f('ix_complaints_category_id'))

    op.drop_table('complaints')
    op.drop_table('region_hours')
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.drop_index('uq_holidays_region_day')
        batch_op.drop_index('uq_holidays_network_day')
        batch_op.drop_index('ix_holidays_day')

    op.drop_table('holidays')
    op.drop_table('complaint_categories')
