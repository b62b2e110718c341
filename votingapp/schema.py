"""Bring the database to the models' schema with the Alembic migrations in votingapp/migrations.

`votingapp init-db` and `scripts/serve` call `upgrade_database()`. A database with tables but
no `alembic_version` was made by `db.create_all()`:
- if it already equals the models (create_all of this version), it is stamped at head;
- otherwise it was made before migrations existed, so its schema is the baseline's: it is
  stamped at the baseline revision and upgraded from there. One made before the baseline's
  last additions (the boards table of a0c02cb, the key custody columns of df30936) first gets
  them, as the baseline writes them.
"""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, ForeignKeyConstraint, Integer, PrimaryKeyConstraint, String, inspect

from .extensions import db, migrate

#: revision 0001 is the schema that create_all made up to main at 7d913ed
BASELINE = "0001"
#: a table every pre-migration database has; its presence without alembic_version means legacy
LEGACY_MARKER = "ballot_sessions"


def alembic_config():
    return migrate.get_config()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # the package ships its migrations: there is always a head
        raise RuntimeError("no Alembic revision found in votingapp/migrations")
    return head


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


def complete_to_baseline() -> list[str]:
    """Add to a pre-migration database what create_all only made from a0c02cb (boards) and
    df30936 (key custody) on, so that stamping it at the baseline tells the truth."""
    added = []
    with db.engine.begin() as connection:
        inspector, ops = inspect(connection), Operations(MigrationContext.configure(connection))
        if not inspector.has_table("boards"):
            ops.create_table("boards", Column("session_id", String(64), nullable=False),
                             Column("document", JSON(), nullable=False),
                             ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
                             PrimaryKeyConstraint("session_id"))
            added.append("table boards")
        present = {column["name"] for column in inspector.get_columns("ballot_sessions")}
        for column in (Column("key_custody", String(10), server_default="system", nullable=False),
                       Column("share_threshold", Integer(), nullable=True),
                       Column("share_count", Integer(), nullable=True)):
            if column.name not in present:
                ops.add_column("ballot_sessions", column)
                added.append(f"column ballot_sessions.{column.name}")
    return added


def upgrade_database() -> list[str]:
    """Stamp a database made by create_all (see above), then upgrade to head; returns what was
    done, one line each, for the command to print."""
    done: list[str] = []
    if is_unversioned():
        stamp = "head" if not differences_from_models() else BASELINE
        if stamp == BASELINE:
            done.extend(f"made before the baseline: added {what}" for what in complete_to_baseline())
        command.stamp(alembic_config(), stamp)
        done.append(f"tables without migration history: stamped at {'head' if stamp == 'head' else 'baseline'} "
                    f"{current_revision()}")
    before = current_revision()
    command.upgrade(alembic_config(), "head")
    after = current_revision()
    done.append(f"schema at revision {after}" + (f" (upgraded from {before or 'empty'})" if before != after else ""))
    return done
