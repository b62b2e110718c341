"""Baseline: the schema as on main at 7d913ed (the first landed schema, the board and the
key custody columns), written out table by table.

A database made by `db.create_all()` before migrations existed has exactly these tables;
`votingapp init-db` and `scripts/serve` stamp it at this revision and upgrade from here
(votingapp/schema.py).

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meetings_organization_id", "meetings", ["organization_id"])
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(length=200), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_members_organization_id", "members", ["organization_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'chair', 'auditor')", name="user_role"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "member_id"),
    )
    op.create_index("ix_attendance_meeting_id", "attendance", ["meeting_id"])
    op.create_table(
        "ballot_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("plaintext_size", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("key_custody", sa.String(length=10), server_default="system", nullable=False),
        sa.Column("share_threshold", sa.Integer(), nullable=True),
        sa.Column("share_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("tallied_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'tallied')", name="session_state"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ballot_sessions_meeting_id", "ballot_sessions", ["meeting_id"])
    # No id, no time, no token; on SQLite WITHOUT ROWID, so storage order is receipt order.
    op.create_table(
        "ballots",
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("epk", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ct", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("receipt"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_ballots_session_id", "ballots", ["session_id"])
    op.create_table(
        "boards",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "key"),
    )
    op.create_index("ix_subjects_session_id", "subjects", ["session_id"])
    op.create_table(
        "tallies",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "token_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_token_issues_session_id", "token_issues", ["session_id"])
    op.create_table(
        "tokens",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("receipt_mac", sa.String(length=64), nullable=True),
        sa.CheckConstraint("state IN ('issued', 'used', 'void')", name="token_state"),
        sa.ForeignKeyConstraint(["session_id"], ["ballot_sessions.id"]),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_index("ix_tokens_session_id", "tokens", ["session_id"])


def downgrade():
    for table in ("tokens", "token_issues", "tallies", "subjects", "boards", "ballots", "ballot_sessions",
                  "attendance", "users", "members", "meetings", "organizations", "audit_events"):
        op.drop_table(table)  # their indexes go with them
