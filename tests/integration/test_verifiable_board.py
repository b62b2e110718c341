"""A closed verifiable-v1 session's board and public bundle: the signed header carries the
crypto session and the `spoiled` list, the streamed entries are {receipt, ballot} in receipt
order, and everything a verifier needs checks from them alone. No auditor level exists."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from votingapp.crypto import signing
from votingapp.crypto.board import BOARD_V2, chain_head
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable.ballots import open_spoiled, to_wire, verify_ballot
from votingapp.crypto.verifiable.session import Session, check_key_consistency
from votingapp.services import auditing, ballots, publication, verifiable

from ..helpers import refused, seal_verifiable

OPTIONS = ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap")


def _closed(make, voters=4, spoils=2, policy=None):
    session = make.session(meeting=make.meeting(members=voters), scheme=verifiable.SCHEME, policy=policy)
    ballots.open_session(session, by="test")
    keys = [s.key for s in session.subjects]
    issued = ballots.issue_tokens(session, voters, mode="api", by="test")
    checked = []
    for i in range(spoils):
        sealed_ballot = seal_verifiable(session, {key: OPTIONS[(i + n) % 3] for n, key in enumerate(keys)})
        ballots.spoil_ballot(issued[0], to_wire(sealed_ballot.ballot), b64encode(sealed_ballot.reveal))
        checked.append(sealed_ballot)
    cast = []
    for i, token in enumerate(issued):
        sealed_ballot = seal_verifiable(session, None if i == 0 else {key: OPTIONS[i % 3] for key in keys})
        ballots.cast_ballot(token, to_wire(sealed_ballot.ballot))
        cast.append(sealed_ballot)
    ballots.close_session(session, by="test")
    return session, cast, checked


def _served_board(session) -> dict:
    return json.loads("".join(publication.board_text(session)))


def test_the_board_header_is_the_crypto_session_with_the_spoiled_list_signed(make):
    session, cast, checked = _closed(make)
    board = _served_board(session)
    header = {key: value for key, value in board.items() if key != "entries"}
    assert header == session.board.document
    signing.verify_document(header, publication.signing_public_key())
    facts, public = board["session"], verifiable.crypto_session(session)
    assert "plaintext_size" not in facts
    assert (facts["scheme"], facts["public_key"], facts["threshold"], facts["verification_keys"], facts["options"]) == \
        ("verifiable-v1", b64encode(public.public_key), 1, [b64encode(k) for k in public.verification_keys],
         list(OPTIONS))
    assert board["spoiled"] == sorted(({"receipt": s.receipt, "ballot": b64encode(s.ballot),
                                        "reveal": b64encode(s.reveal)} for s in checked), key=lambda e: e["receipt"])
    assert board["counts"]["ballots"] == len(cast) == board["counts"]["tokens_used"]
    assert board["format"] == "votingapp/board-v2"


def test_the_entries_are_receipt_and_ballot_in_receipt_order_under_the_signed_head(make):
    session, cast, _ = _closed(make)
    board = _served_board(session)
    assert [set(entry) for entry in board["entries"]] == [{"receipt", "ballot"}] * len(cast)
    receipts = [entry["receipt"] for entry in board["entries"]]
    assert receipts == sorted(s.receipt for s in cast)
    for entry in board["entries"]:
        assert hashlib.sha256(b64decode(entry["ballot"])).hexdigest() == entry["receipt"]
    assert board["head"] == chain_head(session.id, receipts, BOARD_V2)


def test_a_verifier_checks_every_entry_and_opens_every_spoiled_ballot_from_the_board_alone(make):
    session, cast, checked = _closed(make, policy="qd96-2023-lenient")
    board = _served_board(session)
    facts = board["session"]
    public = Session.from_json({"id": facts["id"], "subjects": [s["id"] for s in facts["subjects"]],
                                "options": facts["options"], "public_key": facts["public_key"],
                                "threshold": facts["threshold"], "verification_keys": facts["verification_keys"]})
    assert public == verifiable.crypto_session(session) and public.options[-1] == "blank"
    check_key_consistency(public)
    used = set()
    for entry in board["entries"]:
        used.update(verify_ballot(public, b64decode(entry["ballot"]), used).a_points)
    opened = [open_spoiled(public, b64decode(e["ballot"]), b64decode(e["reveal"])) for e in board["spoiled"]]
    assert len(opened) == len(checked) and all(choices is not None for choices in opened)


def test_the_public_bundle_streams_the_same_board(make):
    session, _, _ = _closed(make, spoils=1)
    bundle = json.loads("".join(publication.public_bundle_text(session)))
    assert (bundle["format"], bundle["level"], bundle["tally"]) == ("votingapp/audit-bundle-v2", "public", None)
    assert bundle["board"] == _served_board(session) == publication.public_bundle(session)["board"]


def test_a_board_with_nothing_checked_has_an_empty_spoiled_list(make):
    session, _, _ = _closed(make, spoils=0)
    assert session.board.document["spoiled"] == []


def test_a_sealed_board_has_no_spoiled_list(make):
    session = make.session(scheme="sealed-v2")
    ballots.open_session(session, by="test")
    ballots.close_session(session, by="test")
    assert "spoiled" not in session.board.document and "plaintext_size" in session.board.document["session"]


def test_there_is_no_auditor_bundle_of_a_verifiable_session(make):
    session, _, _ = _closed(make, spoils=0)
    auditor, _ = make.user(role="auditor", organization=None)
    with refused("not_applicable") as caught:
        auditing.auditor_bundle(session, [], by=auditor)
    assert caught.value.message_vi != caught.value.message_en
    with refused("not_applicable"):
        auditing.auditor_report(session, [], by=auditor)
    with refused("not_applicable"):
        publication.auditor_bundle(session, b"k" * 32, by=auditor)


def test_close_on_postgres_rewrites_the_a_t_and_checked_ballots_in_key_order(make, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's WITHOUT ROWID tables keep key order by themselves")
    session, _, _ = _closed(make, voters=6, spoils=3)
    with db.engine.connect() as conn:
        points = conn.execute(text("SELECT a_point, xmin::text FROM ciphertext_keys WHERE session_id = :s "
                                   "ORDER BY ctid"), {"s": session.id}).all()
        spoiled = conn.execute(text("SELECT receipt, xmin::text FROM spoiled_ballots WHERE session_id = :s "
                                    "ORDER BY ctid"), {"s": session.id}).all()
    assert [bytes(p) for p, _ in points] == sorted(bytes(p) for p, _ in points) and len({x for _, x in points}) == 1
    assert [r for r, _ in spoiled] == sorted(r for r, _ in spoiled) and len(spoiled) == 3
