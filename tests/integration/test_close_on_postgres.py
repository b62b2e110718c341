"""On PostgreSQL, closing one session rewrites only that session's ballots (receipt order, one
transaction id) and never locks the table: halls still voting in other sessions do not wait.
A CLUSTER of the whole table queued behind any reader and stalled every cast behind it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from votingapp.models import BallotSession
from votingapp.services import ballots

from ..helpers import seal_choices

#: seconds a cast may take while another session closes (it takes milliseconds unblocked)
CAST_BOUND = 5.0


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps ballots in receipt order by itself")
    return db


def sealed(session, subject_keys) -> dict:
    return seal_choices(session, {key: "tin-nhiem" for key in subject_keys})


def cast(client, session, token, subject_keys, ballot=None) -> int:
    ballot = ballot or sealed(session, subject_keys)
    return client.post("/api/v1/ballot/cast", json={"token": token, "ballot": ballot}).status_code


def voting_session(client, make, voters: int):
    session = make.open_session(meeting=make.meeting(members=voters))
    tokens = ballots.issue_tokens(session, voters, mode="cli", by="test")
    return session, tokens, [subject.key for subject in session.subjects]


def test_close_rewrites_only_its_session_in_receipt_order_with_one_transaction_id(client, postgres, make):
    closing, tokens, keys = voting_session(client, make, 12)
    other, other_tokens, other_keys = voting_session(client, make, 6)
    for token in tokens:
        assert cast(client, closing, token, keys) == 201
    for token in other_tokens:
        assert cast(client, other, token, other_keys) == 201
    with postgres.engine.connect() as conn:
        before = dict(conn.execute(text("SELECT receipt, xmin::text FROM ballots WHERE session_id = :s"),
                                   {"s": other.id}).all())
    ballots.close_session(closing, by="test")
    with postgres.engine.connect() as conn:
        rows = conn.execute(text("SELECT receipt, xmin::text FROM ballots WHERE session_id = :s ORDER BY ctid"),
                            {"s": closing.id}).all()
        after = dict(conn.execute(text("SELECT receipt, xmin::text FROM ballots WHERE session_id = :s"),
                                  {"s": other.id}).all())
    assert [receipt for receipt, _ in rows] == sorted(receipt for receipt, _ in rows)
    assert len(rows) == 12 and len({xmin for _, xmin in rows}) == 1
    assert after == before  # the open session's rows were not rewritten


def test_a_cast_in_another_session_is_not_blocked_while_one_closes(app, client, postgres, make):
    closing, tokens, keys = voting_session(client, make, 5)
    other, other_tokens, other_keys = voting_session(client, make, 3)
    for token in tokens:
        assert cast(client, closing, token, keys) == 201
    closing_id, other_ballot = closing.id, sealed(other, other_keys)
    reader = create_engine(postgres.engine.url)
    outcome = {}

    def close():
        with app.app_context():
            ballots.close_session(postgres.session.get(BallotSession, closing_id), by="test")
            outcome["closed"] = True

    def cast_elsewhere():
        outcome["cast"] = cast(app.test_client(), None, other_tokens[0], None, other_ballot)

    closer = threading.Thread(target=close, daemon=True)
    caster = threading.Thread(target=cast_elsewhere, daemon=True)
    board_reader = reader.connect()
    try:
        # someone reads the ballots table (a board download, a tally) in an open transaction
        board_transaction = board_reader.begin()
        board_reader.execute(text("SELECT count(*) FROM ballots"))
        closer.start()
        deadline = time.monotonic() + CAST_BOUND
        while closer.is_alive() and time.monotonic() < deadline:  # closed, or queued on a lock
            with reader.connect() as probe:
                if probe.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                    break
            time.sleep(0.05)
        started = time.monotonic()
        caster.start()
        caster.join(CAST_BOUND)
        waited = time.monotonic() - started
        assert not caster.is_alive(), f"the cast in the other session waited over {CAST_BOUND} s for the close"
        assert outcome["cast"] == 201 and waited < CAST_BOUND
        closer.join(CAST_BOUND)
        assert outcome.get("closed"), "the close waited on a reader of the table"
    finally:
        board_transaction.rollback()
        board_reader.close()
        closer.join(30)
        caster.join(30)
        reader.dispose()
