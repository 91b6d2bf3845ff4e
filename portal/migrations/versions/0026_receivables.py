"""receivables and credit: invoices, payments, dealer credit (limit, terms, hold), collection tasks and their contacts

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-14 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_invoices_amount_not_negative')),
    sa.CheckConstraint('due_on >= issued_on', name=op.f('ck_invoices_due_after_issue')),
    sa.CheckConstraint('paid_minor >= 0 AND paid_minor <= amount_minor', name=op.f('ck_invoices_paid_in_range')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_invoices_dealer_id_dealers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('dealer_id', 'number', name='uq_invoices_dealer_number')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_dealer_issued', ['dealer_id', 'issued_on'], unique=False)
        batch_op.create_index('ix_invoices_open', ['settled', 'dealer_id', 'due_on'], unique=False)

    op.create_table('collection_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'promised', 'escalated', 'closed', name='collection_task_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('promise_on', sa.Date(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_collection_tasks_dealer_id_dealers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_collection_tasks_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_tasks')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_collection_tasks_invoice_id'))
    )
    with op.batch_alter_table('collection_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_collection_tasks_promise', ['status', 'promise_on'], unique=False)
        batch_op.create_index('ix_collection_tasks_status_dealer', ['status', 'dealer_id'], unique=False)

    op.create_table('dealer_credits',
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('limit_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms_days', sa.SmallInteger(), nullable=False),
    sa.Column('on_hold', sa.Boolean(), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=False),
    sa.Column('hold_since', sa.DateTime(), nullable=True),
    sa.Column('hold_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('limit_minor >= 0', name=op.f('ck_dealer_credits_limit_not_negative')),
    sa.CheckConstraint('terms_days BETWEEN 0 AND 365', name=op.f('ck_dealer_credits_terms_0_to_365')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_dealer_credits_dealer_id_dealers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hold_by_id'], ['users.id'], name=op.f('fk_dealer_credits_hold_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('dealer_id', name=op.f('pk_dealer_credits'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_payments_dealer_id_dealers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_dealer_paid', ['dealer_id', 'paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('collection_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('call', 'visit', 'letter', name='collection_contact_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('contacted_on', sa.Date(), nullable=False),
    sa.Column('promise_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_collection_contacts_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['collection_tasks.id'], name=op.f('fk_collection_contacts_task_id_collection_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_contacts'))
    )
    with op.batch_alter_table('collection_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_contacts_task_id'), ['task_id'], unique=False)



def downgrade():
    with op.batch_alter_table('collection_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_contacts_task_id'))

    op.drop_table('collection_contacts')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))
        batch_op.drop_index('ix_payments_dealer_paid')

    op.drop_table('payments')
    op.drop_table('dealer_credits')
    with op.batch_alter_table('collection_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_tasks_status_dealer')
        batch_op.drop_index('ix_collection_tasks_promise')

    op.drop_table('collection_tasks')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_open')
        batch_op.drop_index('ix_invoices_dealer_issued')

    op.drop_table('invoices')
