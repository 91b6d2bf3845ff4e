"""assessment_metrics.facts: the numbers behind each metric's detail, to show it in any language

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_metrics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment_metrics', schema=None) as batch_op:
        batch_op.drop_column('facts')
