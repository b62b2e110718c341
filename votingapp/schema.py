"""Bring the database to the models' schema with the Alembic migrations in votingapp/migrations.

`votingapp init-db` and `scripts/serve` call `upgrade_database()`. A database made by
`db.create_all()` before migrations existed has the tables but no `alembic_version`: it is
stamped at the baseline revision (its schema is the baseline's) and upgraded from there.
"""

from __future__ import annotations

from alembic import command
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


def is_unversioned_legacy() -> bool:
    """Tables made by create_all, never stamped by Alembic."""
    tables = set(inspect(db.engine).get_table_names())
    return LEGACY_MARKER in tables and "alembic_version" not in tables


def upgrade_database() -> list[str]:
    """Stamp a legacy database at the baseline, then upgrade to head; returns what was done,
    one line each, for the command to print."""
    done = []
    if is_unversioned_legacy():
        command.stamp(alembic_config(), BASELINE)
        done.append(f"existing tables without migration history: stamped at baseline {BASELINE}")
    before = current_revision()
    command.upgrade(alembic_config(), "head")
    after = current_revision()
    done.append(f"schema at revision {after}" + (f" (upgraded from {before or 'empty'})" if before != after else ""))
    return done
