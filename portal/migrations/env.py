"""Alembic environment: runs migrations on the Flask app's engine and metadata."""

from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

from portal.models import search_index

config = context.config
if config.config_file_name and not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

migrate_extension = current_app.extensions["migrate"]
target_metadata = migrate_extension.db.metadata


def render_item(type_, obj, autogen_context):
    """Write custom column types (UTCDateTime) as the plain SQL type they store."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=migrate_extension.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(_context, _revision, directives) -> None:
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    options = dict(migrate_extension.configure_args)
    options.setdefault("process_revision_directives", skip_empty)
    options.setdefault("render_item", render_item)
    options.setdefault("include_name", search_index.compared)
    options.setdefault("compare_type", True)
    with migrate_extension.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's foreign keys by rebuilding it (copy, DROP, rename), and
            # the DROP of a table others refer to fails while foreign keys are enforced. As
            # SQLite's own procedure for such changes says: enforcement off (outside any
            # transaction), migrate, check every key, enforcement back on.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
