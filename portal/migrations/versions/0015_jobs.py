"""jobs: the queue's visible records, render slots; region exports keep their state in a job

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

STATES = ('queued', 'running', 'done', 'failed')
MOVED = ('status', 'done', 'total', 'error', 'started_at', 'finished_at', 'progress_at')


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='job_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_jobs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_started_by_id'), ['started_by_id'], unique=False)
        batch_op.create_index(
            'uq_jobs_unfinished_key', ['key'], unique=True,
            sqlite_where=sa.text("state IN ('queued', 'running')"),
            postgresql_where=sa.text("state IN ('queued', 'running')"),
        )

    op.create_table('render_slots',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=True),
    sa.Column('held_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_slots'))
    )

    # Every existing export gets a job holding its state and progress.
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO jobs (kind, state, key, payload, done, total, error, attempts, request_id,"
        " started_by_id, created_at, started_at, finished_at, heartbeat_at)"
        " SELECT 'dossier_export', status, 'dossier_export:' || CAST(id AS VARCHAR(20)), '{}',"
        " done, total, error, 1, '', requested_by_id, created_at, started_at, finished_at,"
        " progress_at FROM dossier_exports"
    )
    op.execute(
        "UPDATE dossier_exports SET job_id = (SELECT jobs.id FROM jobs WHERE jobs.key ="
        " 'dossier_export:' || CAST(dossier_exports.id AS VARCHAR(20)))"
    )
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.alter_column('job_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_dossier_exports_job_id'), ['job_id'])
        batch_op.create_foreign_key(batch_op.f('fk_dossier_exports_job_id_jobs'), 'jobs', ['job_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_dossier_exports_dossier_export_status'), type_='check')
        for column in MOVED:
            batch_op.drop_column(column)


def downgrade():
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum(*STATES, name='dossier_export_status', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('done', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('progress_at', sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE dossier_exports SET"
        " status = (SELECT jobs.state FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " done = (SELECT jobs.done FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " total = (SELECT jobs.total FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " error = (SELECT jobs.error FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " started_at = (SELECT jobs.started_at FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " finished_at = (SELECT jobs.finished_at FROM jobs WHERE jobs.id = dossier_exports.job_id),"
        " progress_at = (SELECT jobs.heartbeat_at FROM jobs WHERE jobs.id = dossier_exports.job_id)"
    )
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        for column in ('status', 'done', 'total', 'error'):
            batch_op.alter_column(column, existing_nullable=True, nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_dossier_exports_job_id_jobs'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_dossier_exports_job_id'), type_='unique')
        batch_op.drop_column('job_id')

    op.drop_table('render_slots')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_unfinished_key')
        batch_op.drop_index(batch_op.f('ix_jobs_started_by_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_jobs_kind'))
    op.drop_table('jobs')
