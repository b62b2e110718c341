"""Yearly rating (issue "results feed the yearly grading"): review cycles, self-assessments,
proposals, decisions, quota exceptions and pinned hall keys. New tables only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 20:02:41.197271
"""
from alembic import op
import sqlalchemy as sa

from votingapp.migrations.helpers import by_and_at, id_key, reference, session_reference

revision = "0004"
down_revision = "0003"


def upgrade():
    op.create_table(
        "hall_keys",
        id_key(),
        sa.Column("name", sa.String(length=120), nullable=False, unique=True),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        *by_and_at("pinned"),
    )
    op.create_table(
        "review_cycles",
        id_key(),
        reference("organization_id", "organizations.id", index=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("deadlines", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.CheckConstraint("state IN ('open', 'closed')", name="review_cycle_state"),
        *by_and_at("created"),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("organization_id", "year"),
    )
    op.create_table(
        "rating_subjects",
        id_key(),
        reference("cycle_id", "review_cycles.id", index=True),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.CheckConstraint("role IN ('member', 'cadre', 'collective')", name="rating_subject_role"),
        reference("member_id", "members.id", nullable=True),
        sa.CheckConstraint("(role = 'collective') = (member_id IS NULL)", name="rating_subject_kind"),
        reference("organization_id", "organizations.id", index=True),
        sa.UniqueConstraint("cycle_id", "key"),
    )
    op.create_table(
        "quota_exceptions",
        id_key(),
        reference("cycle_id", "review_cycles.id", index=True),
        reference("organization_id", "organizations.id"),
        reference("subject_id", "rating_subjects.id", unique=True),
        sa.Column("reason", sa.Text(), nullable=False),
        *by_and_at("granted"),
    )
    op.create_table(
        "rating_decisions",
        id_key(),
        reference("subject_id", "rating_subjects.id", index=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.CheckConstraint("action IN ('approve', 'override', 'cancel')", name="decision_action"),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.CheckConstraint("level IS NULL OR level IN ('HTXSNV', 'HTTNV', 'HTNV', 'KHTNV')", name="decision_level"),
        sa.Column("reason", sa.Text(), nullable=False),
        reference("organization_id", "organizations.id"),
        *by_and_at("decided"),
    )
    op.create_table(
        "rating_proposals",
        reference("subject_id", "rating_subjects.id", primary_key=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.CheckConstraint("source IN ('ballot', 'open_vote', 'hall')", name="proposal_source"),
        session_reference(nullable=True),
        sa.Column("evidence", sa.String(length=160), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("base", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        *by_and_at("made"),
    )
    op.create_table(
        "self_assessments",
        reference("subject_id", "rating_subjects.id", primary_key=True),
        sa.Column("form_type", sa.String(length=4), nullable=False),
        sa.CheckConstraint("form_type IN ('2A', '2B', '2C', '01')", name="self_assessment_form"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("self_score", sa.String(length=6), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("self_level", sa.String(length=8), nullable=True),
        *by_and_at("entered"),
    )


def downgrade():
    for table in ("self_assessments", "rating_proposals", "rating_decisions", "quota_exceptions", "rating_subjects",
                  "review_cycles", "hall_keys"):
        op.drop_table(table)  # their indexes go with them
