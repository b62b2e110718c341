"""Shapes that recur across the revisions in versions/: the integer key, a foreign key, a row's
ballot session, who did what a row records and when, and a table of ballots.

Revisions are frozen history, and these helpers are part of it: a helper must keep making
exactly the column it makes now, or every revision that calls it would silently build another
schema. A later revision that needs another shape (a time zone-aware time, say) gets a new
helper; it never changes one of these.

A column-level key, foreign key, unique flag or index makes the same schema as the separate
PrimaryKeyConstraint / ForeignKeyConstraint / UniqueConstraint / create_index that autogenerate
writes: unnamed constraints, and an index named ix_<table>_<column> that op.create_table
creates with the table (and drop_table drops with it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

#: ballot_sessions.id: 32 random bytes written as hex
SESSION_ID_LENGTH = 64
#: a username, as users.username holds it
USERNAME_LENGTH = 80


def id_key() -> sa.Column:
    """`id`, the integer primary key (SERIAL on PostgreSQL)."""
    return sa.Column("id", sa.Integer(), primary_key=True)


def reference(name: str, target: str, type_: sa.types.TypeEngine | None = None, *, ondelete: str | None = None,
              nullable: bool = False, **options: Any) -> sa.Column:
    """Column `name` with a foreign key to `target` ("table.column"): an integer unless `type_`,
    NOT NULL unless `nullable`; `options` (index, unique, primary_key) go to the column."""
    return sa.Column(name, type_ if type_ is not None else sa.Integer(), sa.ForeignKey(target, ondelete=ondelete),
                     nullable=nullable, **options)


def session_reference(**options: Any) -> sa.Column:
    """`session_id`, the ballot session a row belongs to; `options` as for `reference`."""
    return reference("session_id", "ballot_sessions.id", sa.String(length=SESSION_ID_LENGTH), **options)


def by_and_at(verb: str) -> tuple[sa.Column, sa.Column]:
    """`<verb>_by` and `<verb>_at`: the username that did what the row records, and when."""
    return (sa.Column(f"{verb}_by", sa.String(length=USERNAME_LENGTH), nullable=False),
            sa.Column(f"{verb}_at", sa.DateTime(), nullable=False))


def create_ballot_table(name: str, *columns: sa.Column) -> None:
    """A table of ballots: no id, no time, no token. Rows are keyed by their receipt and indexed
    by session; on SQLite WITHOUT ROWID, so storage order is receipt order, never cast order."""
    op.create_table(name, sa.Column("receipt", sa.String(length=64), nullable=False, primary_key=True),
                    session_reference(index=True), *columns, sqlite_with_rowid=False)
