"""outgoing mails to a mailbox that is no user's (a region's after-sales address)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-14 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            'user_or_address', "user_id IS NOT NULL OR to_address <> ''"
        )


def downgrade():
    # Mails to mailboxes have no user to keep them for: they go with the column's NULLs.
    op.execute("DELETE FROM outgoing_mails WHERE user_id IS NULL")
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outgoing_mails_user_or_address'), type_='check')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
