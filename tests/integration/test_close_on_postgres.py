"""On PostgreSQL, closing one session rewrites only that session's ballots (receipt order, one
transaction id) and never locks the table: halls still voting in other sessions do not wait.
A CLUSTER of the whole table queued behind any reader and stalled every cast behind it.
Waiting is read from PostgreSQL's lock graph (pg_blocking_pids), never from a clock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, event, text

from votingapp.services import ballots

from ..helpers import seal_choices

#: rounds of 10 ms a watcher waits for a thread before calling the run broken (never a result)
WATCH_ROUNDS = 6000


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


def _blocked_by(probe, pid: int) -> int:
    """How many backends wait on a lock that `pid` holds (PostgreSQL's own lock graph)."""
    return probe.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                        {"pid": pid})


def _until_done_or_blocked(thread, probe, pid: int) -> bool:
    """Watch `thread` until it ends (False) or some backend waits on `pid`'s locks (True). The
    answer comes from pg_locks, not from a clock; the bound only stops a broken run hanging."""
    for _ in range(WATCH_ROUNDS):
        if not thread.is_alive():
            return False
        if _blocked_by(probe, pid):
            return True
        thread.join(0.01)
    raise AssertionError("the watched thread neither ended nor waited on a lock")


def test_a_cast_in_another_session_is_not_blocked_while_one_closes(app, client, postgres, make):
    """At each commit of the close, with every lock it takes still held, a cast in another
    session runs to its end: PostgreSQL never shows it waiting on the closing transaction. A
    reader holding the table open the whole time blocks nothing either (a CLUSTER waited)."""
    closing, tokens, keys = voting_session(client, make, 5)
    other, other_tokens, other_keys = voting_session(client, make, 3)
    for token in tokens:
        assert cast(client, closing, token, keys) == 201
    other_ballots = [sealed(other, other_keys) for _ in other_tokens]
    probe_engine = create_engine(postgres.engine.url)
    outcomes, blocked = [], []

    def cast_elsewhere():
        index = len(outcomes)
        outcomes.append(cast(app.test_client(), None, other_tokens[index], None, other_ballots[index]))

    def at_commit(connection):
        """The closing transaction is about to commit: everything it locked is still locked."""
        if threading.current_thread() is not threading.main_thread():
            return
        closer = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        caster = threading.Thread(target=cast_elsewhere, daemon=True)
        caster.start()
        with probe_engine.connect() as probe:
            blocked.append(_until_done_or_blocked(caster, probe, closer))
        # returning lets the close commit, which releases a blocked cast before the assertion below

    with probe_engine.connect() as reader, probe_engine.connect() as probe:
        reading = reader.begin()  # someone reads the ballots table (a board download) in an open transaction
        reader.execute(text("SELECT count(*) FROM ballots"))
        reader_pid = reader.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        event.listen(postgres.engine, "commit", at_commit)
        try:
            ballots.close_session(closing, by="test")
        finally:
            event.remove(postgres.engine, "commit", at_commit)
        assert _blocked_by(probe, reader_pid) == 0
        reading.rollback()
    probe_engine.dispose()
    assert blocked and not any(blocked), "a cast in another session waited on the close's locks"
    assert outcomes == [201] * len(blocked)
    assert db_state(postgres, closing.id) == "closed"


def db_state(postgres, session_id: str) -> str:
    with postgres.engine.connect() as conn:
        return conn.scalar(text("SELECT state FROM ballot_sessions WHERE id = :s"), {"s": session_id})
