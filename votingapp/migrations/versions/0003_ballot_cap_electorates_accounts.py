"""Ballot cap and copy refusal (and each session's ballot scheme), electorates and attendance statuses, meeting details, API tokens
and session versions (issues "every ballot counts once", "count by the Party's own rules",
"hardened at every edge").

Data kept: attendance.present becomes status 'present' / 'absent'; motion sessions get the
official-members electorate (every member was official before statuses existed); each
ballot's epk_x is its stored point's x-coordinate. A database whose box already holds two
ballots with one x-coordinate (a copied ballot, accepted before this rule) is not changed:
the upgrade stops and names the session, so the operator decides with the auditors.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from votingapp.migrations.helpers import id_key, reference, session_reference

revision = "0003"
down_revision = "0002"

ATTENDANCE_STATUSES = ("present", "absent_approved", "absent", "excluded")
EXCLUSION_REASONS = ("attached_elsewhere", "exempted", "suspended", "detained")


class CopiedBallotsFound(RuntimeError):
    pass


def upgrade():
    op.create_table(
        "api_tokens",
        id_key(),
        reference("user_id", "users.id", index=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "kiosk_codes",
        session_reference(primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("wrapped_token", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "session_electors",
        session_reference(primary_key=True, ondelete="CASCADE"),
        reference("member_id", "members.id", primary_key=True),
    )

    with op.batch_alter_table("attendance") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="absent", nullable=False))
        batch_op.add_column(sa.Column("excluded_reason", sa.String(length=20), nullable=True))
    op.execute("UPDATE attendance SET status = CASE WHEN present THEN 'present' ELSE 'absent' END")
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.drop_column("present")
        batch_op.create_check_constraint("attendance_status", f"status IN {ATTENDANCE_STATUSES}")
        batch_op.create_check_constraint(
            "attendance_reason", f"(status = 'excluded' AND excluded_reason IN {EXCLUSION_REASONS}) OR "
                                 "(status <> 'excluded' AND excluded_reason IS NULL)")

    with op.batch_alter_table("ballot_sessions") as batch_op:
        # sessions made before sealed-v2 keep sealed-v1, so their boards still verify
        batch_op.add_column(sa.Column("scheme", sa.String(length=20), server_default="sealed-v1", nullable=False))
        #: the voter-code fingerprint served when the session opened (NULL for older sessions)
        batch_op.add_column(sa.Column("voter_code_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("electorate", sa.String(length=10), server_default="all", nullable=False))
        batch_op.create_check_constraint("session_electorate", "electorate IN ('all', 'official', 'body')")
    op.execute("UPDATE ballot_sessions SET electorate = 'official' WHERE kind = 'motion'")

    _add_epk_x()

    with op.batch_alter_table("meetings") as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=200), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column("chair_name", sa.String(length=120), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column("secretary_name", sa.String(length=120), server_default=sa.text("''"), nullable=False))
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="official", nullable=False))
        batch_op.create_check_constraint("member_status", "status IN ('official', 'probationary')")
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def _add_epk_x():
    """The x-coordinate of each stored ephemeral point (bytes 2..33 of the 65-byte epk), then
    one per session: the database itself refuses a copy from now on."""
    bind = op.get_bind()
    substring = "substr(epk, 2, 32)" if bind.dialect.name == "sqlite" else "substring(epk from 2 for 32)"
    copies = bind.execute(sa.text(
        f"SELECT session_id, {substring} AS x, count(*) FROM ballots GROUP BY session_id, {substring} "
        "HAVING count(*) > 1")).all()
    if copies:
        raise CopiedBallotsFound(
            "These sessions hold ballots that share an ephemeral key (copied ballots accepted before the "
            "duplicate rule): " + ", ".join(sorted({row[0] for row in copies})) + ". Nothing was changed; "
            "verify their bundles with the auditors (votingapp verify counts the copies as invalid) and "
            "keep a backup before deciding how to proceed.")
    # SQLite rebuilds the table in batch mode: keep it WITHOUT ROWID (storage order = receipt order)
    with op.batch_alter_table("ballots", table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.add_column(sa.Column("epk_x", sa.LargeBinary(length=32), nullable=True))
    op.execute(f"UPDATE ballots SET epk_x = {substring}")
    with op.batch_alter_table("ballots", table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.alter_column("epk_x", existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.create_unique_constraint("ballot_epk_x_once", ["session_id", "epk_x"])


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_constraint("member_status", type_="check")
        batch_op.drop_column("status")
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_column("secretary_name")
        batch_op.drop_column("chair_name")
        batch_op.drop_column("place")
    with op.batch_alter_table("ballots", table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.drop_constraint("ballot_epk_x_once", type_="unique")
        batch_op.drop_column("epk_x")
    with op.batch_alter_table("ballot_sessions") as batch_op:
        batch_op.drop_constraint("session_electorate", type_="check")
        batch_op.drop_column("electorate")
        batch_op.drop_column("voter_code_sha256")
        batch_op.drop_column("scheme")
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.add_column(sa.Column("present", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE attendance SET present = (status = 'present')")
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.drop_constraint("attendance_reason", type_="check")
        batch_op.drop_constraint("attendance_status", type_="check")
        batch_op.drop_column("excluded_reason")
        batch_op.drop_column("status")
    for table in ("session_electors", "kiosk_codes", "api_tokens"):
        op.drop_table(table)  # their indexes go with them
