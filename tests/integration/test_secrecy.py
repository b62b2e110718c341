"""Ballot secrecy held by the schema and the code paths, checked after a whole vote."""

import json
import logging
import random

from sqlalchemy import inspect, text

from votingapp.models import Ballot, Token
from votingapp.services import ballots, tallying

from ..helpers import refused, seal_choices

OPTIONS = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"]


def _vote(client, make, voters=30, seed=7):
    session = make.open_session(meeting=make.meeting(members=voters))
    issued = ballots.issue_tokens(session, voters, mode="cli", by="test")
    keys = [s.key for s in session.subjects]
    rng = random.Random(seed)
    cast_order = []
    for token in issued:
        choices = {key: rng.choice(OPTIONS) for key in keys}
        response = client.post("/api/v1/ballot/cast", json={"token": token, "ballot": seal_choices(session, choices)})
        assert response.status_code == 201
        cast_order.append(response.get_json()["receipt"])
    return session, issued, cast_order


def _all_rows_as_text(db) -> str:
    dump = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                dump.append(" ".join(repr(v) for v in row))
    return "\n".join(dump)


def test_ballot_table_has_no_column_linking_to_person_token_time_or_order(db):
    columns = {c["name"]: c for c in inspect(db.engine).get_columns("ballots")}
    assert set(columns) == {"receipt", "session_id", "scheme", "epk", "epk_x", "nonce", "ct"}
    foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("ballots")}
    assert foreign == {"ballot_sessions"}
    assert [c.name for c in Ballot.__table__.primary_key] == ["receipt"]
    assert not any(c.autoincrement is True for c in Ballot.__table__.columns)


def test_token_table_names_no_ballot_person_or_time(db):
    assert set(c.name for c in Token.__table__.columns) == {"hash", "session_id", "state", "receipt_mac", "spoils"}
    assert {fk.column.table.name for fk in Token.__table__.foreign_keys} == {"ballot_sessions"}


def test_storage_order_is_receipt_order_not_cast_order(client, db, make):
    session, _, cast_order = _vote(client, make)
    ballots.close_session(session, by="test")
    with db.engine.connect() as conn:
        stored_order = [row[0] for row in conn.execute(text("SELECT receipt FROM ballots"))]
    assert stored_order == sorted(cast_order)
    assert stored_order != cast_order  # 30 random receipts: equal by chance with odds 1/30!


def test_no_row_or_log_line_holds_a_plaintext_choice_or_a_token(client, db, make, caplog):
    caplog.set_level(logging.DEBUG)
    session, issued, _ = _vote(client, make, voters=12)
    ballots.close_session(session, by="test")
    before_tally = _all_rows_as_text(db)
    tallying.tally_session(session, by="test")
    after_tally = _all_rows_as_text(db)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    marks = [f'"{subject.key}":"{option}"' for subject in session.subjects for option in OPTIONS]
    for place in (before_tally, after_tally, logs):
        assert "choices" not in place     # no plaintext ballot, whole or in part
        assert not any(mark in place for mark in marks)
        assert not any(token in place for token in issued)
    assert "tin-nhiem-thap" not in logs


def test_results_exist_only_after_the_tally(client, make):
    session, _, _ = _vote(client, make, voters=3)
    progress = ballots.progress(session)
    assert set(progress) == {"state", "summoned", "excluded", "base", "present", "issued", "voted", "void", "left"}
    with refused("not_tallied"):
        tallying.results(session)
    ballots.close_session(session, by="test")
    with refused("not_tallied"):
        tallying.results(session)
    tallying.tally_session(session, by="test")
    assert json.dumps(tallying.results(session))


def test_private_key_is_stored_only_wrapped(db, make):
    from votingapp.crypto import sealed
    session = make.open_session()
    raw = sealed.private_key_bytes(ballots.session_private_key(session))
    assert raw not in session.wrapped_private_key
    assert raw.hex() not in _all_rows_as_text(db)
