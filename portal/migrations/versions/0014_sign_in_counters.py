"""sign_in_counters: one locked counter row per address, account and account at an address,
in place of one row per failed sign-in (S21)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_counters',
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_sign_in_counters'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_scope_key_at')

    op.drop_table('sign_in_failures')


def downgrade():
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_scope_key_at', ['scope', 'key', 'at'], unique=False)

    op.drop_table('sign_in_counters')
