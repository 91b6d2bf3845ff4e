"""contracts and prospects keys: a one-time key on each qualification document (a resent
upload submits it once), and one open proposal per new dealer's code

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

OPEN_CODE = "dealer_code <> '' AND status NOT IN ('lost', 'signed')"


def upgrade():
    with op.batch_alter_table('qualification_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_qualification_documents_client_key'), ['client_key'])

    with op.batch_alter_table('prospects', schema=None) as batch_op:
        batch_op.create_index('uq_prospects_open_dealer_code', ['dealer_code'], unique=True, sqlite_where=sa.text(OPEN_CODE), postgresql_where=sa.text(OPEN_CODE))


def downgrade():
    with op.batch_alter_table('prospects', schema=None) as batch_op:
        batch_op.drop_index('uq_prospects_open_dealer_code', sqlite_where=sa.text(OPEN_CODE), postgresql_where=sa.text(OPEN_CODE))

    with op.batch_alter_table('qualification_documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_qualification_documents_client_key'), type_='unique')
        batch_op.drop_column('client_key')
