"""Alembic environment: run by Flask-Migrate inside the app, on the app's own engine.

On SQLite, foreign keys are switched off while migrations run: batch mode rebuilds a table
(copy, drop, rename), and dropping a table other rows point at would fail or cascade. The
keys are checked and switched back on before the connection returns to the pool.
"""

from alembic import context
from flask import current_app
from sqlalchemy import text

migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def skip_empty_autogenerate(_context, _revision, directives):
    """`votingapp db migrate` with no model change writes no empty revision."""
    if getattr(context.config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        print("No changes in schema detected.")


def run_migrations_online() -> None:
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with migrate.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise RuntimeError(f"The migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection, statement: str) -> None:
    """A pragma outside any transaction (SQLite ignores foreign_keys inside one)."""
    if connection.in_transaction():
        connection.rollback()
    connection.exec_driver_sql(statement)
    connection.commit()

if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against the database.")
run_migrations_online()
