"""receivables flags kept in dealer_figures: whether the dealer is flagged and the amount
overdue beyond 60 days, with a partial index of the flagged rows (the home pages' card)

The rows are recomputed by the periodic job (dealer_figures FORMAT 5) or by
`flask --app app rebuild-figures`; until then every row reads "not flagged".

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# As each database's queries write "WHERE flagged" (the index serves them).
ON_POSTGRESQL, ON_SQLITE = "receivables_flagged", "receivables_flagged = 1"


def upgrade():
    with op.batch_alter_table('dealer_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receivables_flagged', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('receivables_late', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.create_index('ix_dealer_figures_receivables_flagged', ['receivables_late'], unique=False, sqlite_where=sa.text(ON_SQLITE), postgresql_where=sa.text(ON_POSTGRESQL))


def downgrade():
    with op.batch_alter_table('dealer_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_dealer_figures_receivables_flagged', sqlite_where=sa.text(ON_SQLITE), postgresql_where=sa.text(ON_POSTGRESQL))
        batch_op.drop_column('receivables_late')
        batch_op.drop_column('receivables_flagged')
