"""Sessions keep the scheme they were created with: sealed-v2 for new ones, sealed-v1 for those
made before it (still cast, tallied and verified). A copied ballot (its epk's y negated) on a
board is counted once, by the tally and by the verifier, even when the server signed the board."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from votingapp.audit.bundle import build_board
from votingapp.audit.verify import verify_bundle
from votingapp.crypto import sealed
from votingapp.domain.tally import DUPLICATE_KEY
from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import ballots, publication, tallying

from ..helpers import seal_choices
from ..property.test_bundle_tampering import negated

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

LOOKUP, CAST = "/api/v1/ballot/lookup", "/api/v1/ballot/cast"
MARKS = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"]


def _cast_all(client, session, count=3, issue=4):
    keys = [subject.key for subject in session.subjects]
    issued = ballots.issue_tokens(session, issue, mode="cli", by="test")
    # `issue` may exceed `count`: the extra tokens stay unused
    for token, mark in zip(issued, MARKS[:count], strict=False):
        assert client.post(LOOKUP, json={"token": token}).get_json()["scheme"] == session.scheme
        response = client.post(CAST, json={"token": token, "ballot": seal_choices(session, dict.fromkeys(keys, mark))})
        assert response.status_code == 201, response.get_json()
    return issued[count:]


def _auditor_bundle(session):
    private = sealed.private_key_bytes(ballots.session_private_key(session))
    return publication.auditor_bundle(session, private, by="test")


def test_a_row_written_before_sealed_v2_reads_as_sealed_v1(make):
    """What the migration relies on: the column's server default is sealed-v1."""
    meeting = make.meeting()
    session_id = str(uuid.uuid4())
    db.session.execute(text("INSERT INTO ballot_sessions (id, meeting_id, kind, title, state, policy, plaintext_size,"
                            " created_at) VALUES (:id, :meeting, 'motion', 'Cũ', 'draft', 'qd96-2023', 256,"
                            " CURRENT_TIMESTAMP)"), {"id": session_id, "meeting": meeting.id})
    db.session.commit()
    assert db.session.get(BallotSession, session_id).scheme == "sealed-v1"


def test_a_new_session_is_sealed_v2_and_refuses_a_sealed_v1_ballot(make, client):
    session = make.open_session(meeting=make.meeting(members=5))
    assert session.scheme == sealed.CURRENT_SCHEME == "sealed-v2"
    token = ballots.issue_tokens(session, 1, mode="cli", by="test")[0]
    keys = [subject.key for subject in session.subjects]
    old = sealed.seal(sealed.pad_plaintext({"v": 1, "session": session.id, "choices": dict.fromkeys(keys, "tin-nhiem")},
                                           session.plaintext_size), session.id, session.public_key, scheme="sealed-v1")
    response = client.post(CAST, json={"token": token, "ballot": old.to_dict()})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "wrong_scheme"


def test_a_sealed_v1_session_still_casts_tallies_and_verifies(make, client, app):
    session = make.open_session(meeting=make.meeting(members=5), scheme="sealed-v1")
    token = _cast_all(client, session)[0]
    keys = [subject.key for subject in session.subjects]
    v2 = seal_choices(session, dict.fromkeys(keys, "tin-nhiem")) | {"scheme": "sealed-v2"}
    assert client.post(CAST, json={"token": token, "ballot": v2}).get_json()["error"]["code"] == "wrong_scheme"
    ballots.close_session(session, by="test")
    tally = tallying.tally_session(session, by="test").document
    assert tally["ballots"] == {"received": 3, "valid": 3, "invalid": 0, "invalid_by_reason": {}}
    bundle = _auditor_bundle(session)
    assert bundle["board"]["session"]["scheme"] == "sealed-v1"
    report = verify_bundle(bundle, signing_key=publication.signing_public_key())
    assert report.ok and report.exit_code == 0, report.text()


def _board_with_a_copy(session) -> None:
    """What a dishonest server (or a corrupted database) publishes: the closed session's board
    with a negated-epk copy of its first ballot, the counts made to agree, signed by the real key.
    It is a board-v1, which carries its ciphertexts: a board-v2's are the ballots table's rows,
    where the database itself refuses a second ballot with one x-coordinate."""
    board = session.board.document
    on_board = list(publication.board_ballots_of(session))
    counts = {key: board["counts"][key] for key in ("summoned", "present", "tokens_issued")}
    counts |= {"tokens_used": len(on_board) + 1, "tokens_void": counts["tokens_issued"] - len(on_board) - 1}
    session.board.document = publication.sign(build_board(publication.session_facts(session), counts,
                                                          on_board + [negated(on_board[0])]))
    db.session.commit()


def test_the_tally_counts_a_copied_sealed_v1_ballot_once_and_verify_fails_the_signed_board(make, client):
    session = make.open_session(meeting=make.meeting(members=5), scheme="sealed-v1")
    _cast_all(client, session)
    ballots.close_session(session, by="test")
    _board_with_a_copy(session)
    tally = tallying.tally_session(session, by="test").document
    # the copy opens under sealed-v1 (the attack), but only the first of the two counts
    assert tally["ballots"] == {"received": 4, "valid": 3, "invalid": 1, "invalid_by_reason": {DUPLICATE_KEY: 1}}
    assert sorted(sum(s["counts"][mark] for s in tally["subjects"]) for mark in MARKS) == [2, 2, 2]
    report = verify_bundle(_auditor_bundle(session), signing_key=publication.signing_public_key())
    assert report.failed == ["no_duplicate_keys"], report.text()


def test_the_tally_counts_a_copied_sealed_v2_ballot_invalid(make, client):
    session = make.open_session(meeting=make.meeting(members=5))
    _cast_all(client, session)
    ballots.close_session(session, by="test")
    _board_with_a_copy(session)
    tally = tallying.tally_session(session, by="test").document
    # the copy does not open; the original counts whether it sorts before or after the copy
    assert tally["ballots"] == {"received": 4, "valid": 3, "invalid": 1, "invalid_by_reason": {DUPLICATE_KEY: 1}}
