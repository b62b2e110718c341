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

from votingapp.migrations.helpers import by_and_at, create_ballot_table, id_key, reference, session_reference

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "audit_events",
        id_key(),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_table(
        "organizations",
        id_key(),
        sa.Column("code", sa.String(length=40), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        reference("parent_id", "organizations.id", nullable=True),
    )
    op.create_table(
        "meetings",
        id_key(),
        reference("organization_id", "organizations.id", index=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "members",
        id_key(),
        sa.Column("code", sa.String(length=40), nullable=False, unique=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        reference("organization_id", "organizations.id", index=True),
        sa.Column("post", sa.String(length=200), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "users",
        id_key(),
        sa.Column("username", sa.String(length=80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'chair', 'auditor')", name="user_role"),
        reference("organization_id", "organizations.id", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "attendance",
        id_key(),
        reference("meeting_id", "meetings.id", index=True),
        reference("member_id", "members.id"),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("meeting_id", "member_id"),
    )
    op.create_table(
        "ballot_sessions",
        sa.Column("id", sa.String(length=64), nullable=False, primary_key=True),
        reference("meeting_id", "meetings.id", index=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'tallied')", name="session_state"),
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
    )
    create_ballot_table(
        "ballots",
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("epk", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ct", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "boards",
        session_reference(primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_table(
        "subjects",
        id_key(),
        session_reference(index=True),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        reference("member_id", "members.id", nullable=True),
        sa.UniqueConstraint("session_id", "key"),
    )
    op.create_table(
        "tallies",
        session_reference(primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        *by_and_at("created"),
    )
    op.create_table(
        "token_issues",
        id_key(),
        session_reference(index=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        *by_and_at("issued"),
    )
    op.create_table(
        "tokens",
        sa.Column("hash", sa.String(length=64), nullable=False, primary_key=True),
        session_reference(index=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.CheckConstraint("state IN ('issued', 'used', 'void')", name="token_state"),
        sa.Column("receipt_mac", sa.String(length=64), nullable=True),
    )


def downgrade():
    for table in ("tokens", "token_issues", "tallies", "subjects", "boards", "ballots", "ballot_sessions",
                  "attendance", "users", "members", "meetings", "organizations", "audit_events"):
        op.drop_table(table)  # their indexes go with them
