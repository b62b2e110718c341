"""Bring the database to the models' schema with the Alembic migrations in votingapp/migrations.

`votingapp init-db` and `scripts/serve` call `upgrade_database()`. A database with tables but
no `alembic_version` was made by `db.create_all()`:
- if it already equals the models (create_all of this version), it is stamped at head;
- otherwise it was made before migrations existed, so its schema is the baseline's: it is
  stamped at the baseline revision and upgraded from there.
"""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from .extensions import db, migrate

#: revision 0001 is the schema that create_all made up to main at 7d913ed
BASELINE = "0001"
#: a table every pre-migration database has; its presence without alembic_version means legacy
LEGACY_MARKER = "ballot_sessions"


def alembic_config():
    return migrate.get_config()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences_from_models() -> list:
    """What Alembic's autogenerate would change to make the database equal the models."""
    with db.engine.connect() as connection:
        options = {"compare_type": True, "compare_server_default": True}
        return compare_metadata(MigrationContext.configure(connection, opts=options), db.metadata)


def is_unversioned() -> bool:
    """Tables made by create_all, never stamped by Alembic."""
    tables = set(inspect(db.engine).get_table_names())
    return LEGACY_MARKER in tables and "alembic_version" not in tables


def upgrade_database() -> list[str]:
    """Stamp a database made by create_all (see above), then upgrade to head; returns what was
    done, one line each, for the command to print."""
    done = []
    if is_unversioned():
        stamp = "head" if not differences_from_models() else BASELINE
        command.stamp(alembic_config(), stamp)
        done.append(f"tables without migration history: stamped at {'head' if stamp == 'head' else 'baseline'} "
                    f"{current_revision()}")
    before = current_revision()
    command.upgrade(alembic_config(), "head")
    after = current_revision()
    done.append(f"schema at revision {after}" + (f" (upgraded from {before or 'empty'})" if before != after else ""))
    return done
