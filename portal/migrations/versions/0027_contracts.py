"""contracts and qualifications: contracts with their renewals and transitions, document kinds and the dealer kinds requiring them, qualification documents, expiry reminders

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

CONTRACT_STATUSES = ('proposed', 'approved', 'declined', 'active', 'superseded')


def upgrade():
    op.create_table('document_kinds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('expires', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_kinds')),
    sa.UniqueConstraint('code', name=op.f('uq_document_kinds_code'))
    )
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('franchise', 'dealership', 'distribution', name='contract_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum(*CONTRACT_STATUSES, name='contract_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('renews_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_contracts_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contracts_created_by_id_users')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_contracts_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['document_id'], ['attachments.id'], name=op.f('fk_contracts_document_id_attachments')),
    sa.ForeignKeyConstraint(['renews_id'], ['contracts.id'], name=op.f('fk_contracts_renews_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('number', name=op.f('uq_contracts_number'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('ix_contracts_dealer_status', ['dealer_id', 'status'], unique=False)
        batch_op.create_index('uq_contracts_active_dealer', ['dealer_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.create_index('uq_contracts_open_renewal', ['renews_id'], unique=True, sqlite_where=sa.text("status IN ('proposed', 'approved')"), postgresql_where=sa.text("status IN ('proposed', 'approved')"))

    op.create_table('contract_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('create', 'propose', 'approve', 'decline', 'sign', 'supersede', name='contract_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('from_status', sa.Enum(*CONTRACT_STATUSES, name='contract_transition_from', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum(*CONTRACT_STATUSES, name='contract_transition_to', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_contract_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_transitions_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_transitions'))
    )
    with op.batch_alter_table('contract_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_transitions_contract_id'), ['contract_id'], unique=False)

    op.create_table('document_requirements',
    sa.Column('document_kind_id', sa.Integer(), nullable=False),
    sa.Column('dealer_kind', sa.Enum('franchisee', 'dealer', 'distributor', name='document_requirement_dealer_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['document_kind_id'], ['document_kinds.id'], name=op.f('fk_document_requirements_document_kind_id_document_kinds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_kind_id', 'dealer_kind', name=op.f('pk_document_requirements'))
    )
    op.create_table('qualification_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('kind_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'rejected', name='document_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= issued_on', name=op.f('ck_qualification_documents_expires_after_issue')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_qualification_documents_dealer_id_dealers')),
    sa.ForeignKeyConstraint(['file_id'], ['attachments.id'], name=op.f('fk_qualification_documents_file_id_attachments')),
    sa.ForeignKeyConstraint(['kind_id'], ['document_kinds.id'], name=op.f('fk_qualification_documents_kind_id_document_kinds')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_qualification_documents_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_qualification_documents_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification_documents'))
    )
    with op.batch_alter_table('qualification_documents', schema=None) as batch_op:
        batch_op.create_index('ix_qualification_documents_dealer_kind', ['dealer_id', 'kind_id', 'status'], unique=False)
        batch_op.create_index('ix_qualification_documents_status_expires', ['status', 'expires_on'], unique=False)
        batch_op.create_index('ix_qualification_documents_submitted', ['submitted_at'], unique=False, sqlite_where=sa.text("status = 'submitted'"), postgresql_where=sa.text("status = 'submitted'"))

    op.create_table('expiry_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_expiry_reminders_dealer_id_dealers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_reminders')),
    sa.UniqueConstraint('key', name=op.f('uq_expiry_reminders_key'))
    )
    with op.batch_alter_table('expiry_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expiry_reminders_dealer_id'), ['dealer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('expiry_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expiry_reminders_dealer_id'))

    op.drop_table('expiry_reminders')
    with op.batch_alter_table('qualification_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_qualification_documents_submitted', sqlite_where=sa.text("status = 'submitted'"), postgresql_where=sa.text("status = 'submitted'"))
        batch_op.drop_index('ix_qualification_documents_status_expires')
        batch_op.drop_index('ix_qualification_documents_dealer_kind')

    op.drop_table('qualification_documents')
    op.drop_table('document_requirements')
    with op.batch_alter_table('contract_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_transitions_contract_id'))

    op.drop_table('contract_transitions')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('uq_contracts_open_renewal', sqlite_where=sa.text("status IN ('proposed', 'approved')"), postgresql_where=sa.text("status IN ('proposed', 'approved')"))
        batch_op.drop_index('uq_contracts_active_dealer', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_contracts_dealer_status')

    op.drop_table('contracts')
    op.drop_table('document_kinds')
