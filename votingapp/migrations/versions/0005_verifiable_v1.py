"""verifiable-v1 sessions (issue "No ballot is ever decrypted"): the session's verification keys
and ciphertext sums, every A_t once per session, spoiled (checked) ballots, members' partial
decryptions, and a per-token count of checked ballots.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from votingapp.migrations.helpers import create_ballot_table, session_reference

revision = "0005"
down_revision = "0004"


def upgrade():
    with op.batch_alter_table("ballot_sessions") as batch_op:
        batch_op.add_column(sa.Column("verification_keys", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("ciphertext_sums", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("tokens") as batch_op:
        batch_op.add_column(sa.Column("spoils", sa.Integer(), server_default="0", nullable=False))
    # keyed by the point, WITHOUT ROWID on SQLite: no cast order is stored (spoiled ballots likewise)
    op.create_table(
        "ciphertext_keys",
        session_reference(primary_key=True),
        sa.Column("a_point", sa.LargeBinary(length=32), nullable=False, primary_key=True),
        sqlite_with_rowid=False,
    )
    create_ballot_table(
        "spoiled_ballots",
        sa.Column("ballot", sa.LargeBinary(), nullable=False),
        sa.Column("reveal", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "partial_decryptions",
        session_reference(primary_key=True),
        sa.Column("member", sa.Integer(), autoincrement=False, nullable=False, primary_key=True),
        sa.Column("partial", sa.LargeBinary(), nullable=False),
    )


def downgrade():
    for table in ("partial_decryptions", "spoiled_ballots", "ciphertext_keys"):
        op.drop_table(table)  # their indexes go with them
    with op.batch_alter_table("tokens") as batch_op:
        batch_op.drop_column("spoils")
    with op.batch_alter_table("ballot_sessions") as batch_op:
        batch_op.drop_column("ciphertext_sums")
        batch_op.drop_column("verification_keys")
