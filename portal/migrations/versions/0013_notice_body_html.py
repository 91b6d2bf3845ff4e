"""notices.body_html, notice_versions.body_html: Markdown rendered once when saved, backfilled

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from portal.richtext import render_or_plain


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLES = ('notices', 'notice_versions')


def upgrade():
    for table in TABLES:  # plain ALTER TABLE: no table copy on SQLite (see downgrade)
        op.add_column(table, sa.Column('body_html', sa.Text(), nullable=False, server_default=''))
    _backfill()


def _backfill():
    """Each stored body rendered by the same bounded renderer the portal saves with (a child
    process with CPU, memory and time limits); a body it refuses or cannot finish is stored
    as plain text. Equal bodies (a notice and its versions) are rendered once."""
    connection = op.get_bind()
    rendered = {}
    for name in TABLES:
        table = sa.table(name, sa.column('id', sa.Integer), sa.column('body', sa.Text),
                         sa.column('body_html', sa.Text))
        rows = connection.execute(sa.select(table.c.id, table.c.body)).all()
        for row_id, body in rows:
            if body not in rendered:
                if len(rendered) > 200:
                    rendered.clear()
                rendered[body] = render_or_plain(body)
            connection.execute(
                table.update().where(table.c.id == row_id).values(body_html=rendered[body])
            )


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # `notices`, and the drop cascades to notice_versions while foreign keys are on.
    for table in TABLES:
        op.drop_column(table, 'body_html')
