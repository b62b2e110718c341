"""Timestamps stored timezone-aware (issue 12, "One clock: UTC from Python, stored
timezone-aware"): every DateTime column becomes timestamptz on PostgreSQL.

What the naive values meant decides the conversion:
- columns the application filled from Python (`utcnow`, naive UTC) are read AT TIME ZONE 'UTC';
- five columns were filled by the database's now() (opened_at, closed_at and tallied_at of
  ballot sessions, api_tokens.revoked_at, review_cycles.closed_at): PostgreSQL cast now() to the
  connection's TimeZone setting, which the application never set, so they hold the server's
  wall time and are read AT TIME ZONE current_setting('TimeZone') (the same as 'UTC' on a server
  kept at UTC).
On SQLite nothing changes: it has no zones, stores both kinds as the same text, and its now()
(CURRENT_TIMESTAMP) was UTC already; models.base.UTCDateTime keeps it UTC from now on.
Downgrade returns every column to naive UTC, what the earlier code read them as.

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'

#: table → columns the application filled with Python's naive UTC
FROM_PYTHON = {
    'users': ('created_at',),
    'api_tokens': ('created_at',),
    'audit_events': ('at',),
    'meetings': ('created_at',),
    'ballot_sessions': ('created_at',),
    'token_issues': ('issued_at',),
    'tallies': ('created_at',),
    'review_cycles': ('created_at',),
    'self_assessments': ('entered_at',),
    'rating_proposals': ('made_at',),
    'rating_decisions': ('decided_at',),
    'quota_exceptions': ('granted_at',),
    'hall_keys': ('pinned_at',),
}
#: table → columns the database's now() filled, in the server's TimeZone
FROM_DATABASE_NOW = {
    'ballot_sessions': ('opened_at', 'closed_at', 'tallied_at'),
    'api_tokens': ('revoked_at',),
    'review_cycles': ('closed_at',),
}


def _alter(to_type: str, zone_of) -> None:
    """One ALTER TABLE per table: PostgreSQL rewrites each table once."""
    for table in dict.fromkeys([*FROM_PYTHON, *FROM_DATABASE_NOW]):
        columns = [(column, zone_of(table, column)) for column in
                   (*FROM_PYTHON.get(table, ()), *FROM_DATABASE_NOW.get(table, ()))]
        op.execute(f'ALTER TABLE {table} ' + ', '.join(
            f'ALTER COLUMN {column} TYPE {to_type} USING {column} AT TIME ZONE {zone}' for column, zone in columns))


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _alter('timestamptz', lambda table, column: "current_setting('TimeZone')"
           if column in FROM_DATABASE_NOW.get(table, ()) else "'UTC'")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _alter('timestamp', lambda table, column: "'UTC'")
