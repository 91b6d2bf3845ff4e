"""corrective actions remember the due date they were found overdue for (action.overdue)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-12 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_noted_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_column('overdue_noted_on')
