"""second_language_names: optional Chinese names for product lines and standard items,
a second-language city or alias for dealers and stores that search reads

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_zh', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('standard_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_zh', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('guidance_zh', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('dealers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_alias', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_alias', sa.String(length=120), server_default='', nullable=False))


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # these tables, which other tables reference while foreign keys are on.
    op.drop_column('stores', 'city_alias')
    op.drop_column('dealers', 'city_alias')
    op.drop_column('standard_items', 'guidance_zh')
    op.drop_column('standard_items', 'question_zh')
    op.drop_column('product_lines', 'name_zh')
