"""data_versions: a counter bumped by every transaction that changes the network's data

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions'))
    )
    op.bulk_insert(table, [{'name': 'network', 'version': 0}])


def downgrade():
    op.drop_table('data_versions')
