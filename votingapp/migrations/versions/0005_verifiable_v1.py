"""verifiable-v1 sessions (issue "No ballot is ever decrypted"): the session's verification keys
and ciphertext sums, every A_t once per session, spoiled (checked) ballots, members' partial
decryptions, and a per-token count of checked ballots.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballot_sessions') as batch_op:
        batch_op.add_column(sa.Column('verification_keys', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('ciphertext_sums', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('tokens') as batch_op:
        batch_op.add_column(sa.Column('spoils', sa.Integer(), server_default='0', nullable=False))
    # keyed by the point or the receipt, WITHOUT ROWID on SQLite: no cast order is stored
    op.create_table('ciphertext_keys',
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('a_point', sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['ballot_sessions.id']),
        sa.PrimaryKeyConstraint('session_id', 'a_point'),
        sqlite_with_rowid=False)
    op.create_table('spoiled_ballots',
        sa.Column('receipt', sa.String(length=64), nullable=False),
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('ballot', sa.LargeBinary(), nullable=False),
        sa.Column('reveal', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['ballot_sessions.id']),
        sa.PrimaryKeyConstraint('receipt'),
        sqlite_with_rowid=False)
    with op.batch_alter_table('spoiled_ballots', table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.create_index(batch_op.f('ix_spoiled_ballots_session_id'), ['session_id'], unique=False)
    op.create_table('partial_decryptions',
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('member', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('partial', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['ballot_sessions.id']),
        sa.PrimaryKeyConstraint('session_id', 'member'))


def downgrade():
    op.drop_table('partial_decryptions')
    with op.batch_alter_table('spoiled_ballots', table_kwargs={"sqlite_with_rowid": False}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spoiled_ballots_session_id'))
    op.drop_table('spoiled_ballots')
    op.drop_table('ciphertext_keys')
    with op.batch_alter_table('tokens') as batch_op:
        batch_op.drop_column('spoils')
    with op.batch_alter_table('ballot_sessions') as batch_op:
        batch_op.drop_column('ciphertext_sums')
        batch_op.drop_column('verification_keys')
