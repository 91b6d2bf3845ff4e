"""offline audits: a version on each audit answer (two devices never overwrite each other
silently), and the keys of changes sent by a phone's offline queue (each applied once)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_offline_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_changes')),
    sa.UniqueConstraint('user_id', 'key', name='uq_offline_changes_key')
    )
    with op.batch_alter_table('offline_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_changes_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('audit_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('audit_answers', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('offline_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_changes_created_at'))

    op.drop_table('offline_changes')
