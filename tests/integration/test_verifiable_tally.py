"""Counting a verifiable-v1 session (spec §6): only the sums are decrypted, by the system's one
share or by k members' partial decryptions sent from their phones; the document is tally-v1's,
with the same outcomes as the sealed path gives for the same marks, plus the proofs."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable import group
from votingapp.crypto.verifiable.ballots import seal_ballot
from votingapp.crypto.verifiable.session import share_from_bytes
from votingapp.crypto.verifiable.tally import aggregate, partial_decrypt
from votingapp.crypto.verifiable.tally import tally as combine_counts
from votingapp.documents.minutes import render_minutes
from votingapp.documents.minutes_docx import render_minutes_docx
from votingapp.extensions import db
from votingapp.models import Ballot, PartialDecryption, SessionState
from votingapp.services import ballots, tallying, verifiable

from ..helpers import refused, seal_choices

LENIENT = "qd96-2023-lenient"
SUBJECT_FIELDS = ("counts", "basis", "percent", "percent_by_basis", "consequence", "outcome", "proposed")


def _put_ballots(session, marks) -> list[str]:
    """Cast one verifiable ballot per entry of `marks` (option ids in subject order; None is a
    blank ballot; "blank" is the lenient column), each with a token of its own, through the
    cast service (§4.6 at the door)."""
    keys = [subject.key for subject in session.subjects]
    tokens = ballots.issue_tokens(session, len(marks), mode="api", by="test") if marks else []
    wires = [seal_choices(session, {} if row is None else dict(zip(keys, row, strict=True))) for row in marks]
    return [ballots.cast_ballot(token, wire)[0] for token, wire in zip(tokens, wires, strict=True)]


def _verifiable(make, marks, *, kind="confidence", policy=None, custody="system", subjects=2, **options):
    session = make.session(kind=kind, policy=policy, scheme=verifiable.SCHEME, subjects=subjects)
    shares = ballots.open_session(session, by="test", custody=custody, **options)
    _put_ballots(session, marks)
    ballots.close_session(session, by="test")
    return session, shares


def _sealed_marks(session, marks) -> list[dict]:
    """The same marks as sealed-scheme choices: a blank ballot chooses nothing, and the lenient
    column is an unmarked subject."""
    keys = [subject.key for subject in session.subjects]
    return [{} if row is None else {key: option for key, option in zip(keys, row, strict=True) if option != "blank"}
            for row in marks]


def _results(document) -> tuple:
    return document["ballots"], [{name: subject.get(name) for name in SUBJECT_FIELDS}
                                 for subject in document["subjects"]]


def _member_secrets(session, shares) -> dict[int, bytes]:
    public = verifiable.crypto_session(session)
    secrets = {}
    for share in shares:
        raw = verifiable.share_secret_from_words(share.words)
        secrets[share_from_bytes(public, raw).index] = raw
    return secrets


def _partial_of(session, raw: bytes) -> str:
    public = verifiable.crypto_session(session)
    return b64encode(partial_decrypt(public, share_from_bytes(public, raw), verifiable.sums_of(session)))


CONFIDENCE_MARKS = [["tin-nhiem-cao", "tin-nhiem-thap"], ["tin-nhiem-thap", "tin-nhiem-thap"],
                    ["tin-nhiem", "tin-nhiem-thap"], None, ["tin-nhiem-cao", "tin-nhiem"]]


def test_sums_are_the_aggregate_of_the_stored_ballots(app, make):
    """Sums of an open session's ballots, stored directly here (the cast is tested elsewhere)."""
    session = make.session(scheme=verifiable.SCHEME)
    ballots.open_session(session, by="test")
    public = verifiable.crypto_session(session)
    sealed = [seal_ballot(public, [0, 2]), seal_ballot(public, None), seal_ballot(public, [1, 1])]
    for ballot in sealed:
        a_points = [ballot.ballot[64 * t:64 * t + 32] for t in range(public.ciphertext_count)]
        db.session.add(Ballot(receipt=ballot.receipt, session_id=session.id, scheme=verifiable.SCHEME,
                              epk=a_points[0], epk_x=a_points[0], nonce=b"", ct=ballot.ballot))
    db.session.commit()
    expected = aggregate(public, [[(b.ballot[64 * t:64 * t + 32], b.ballot[64 * t + 32:64 * t + 64])
                                   for t in range(public.ciphertext_count)] for b in sealed])
    stored = verifiable.store_sums(session)
    db.session.commit()
    assert len(stored) == 64 * public.ciphertext_count
    assert verifiable.sums_of(session) == expected
    assert expected[0][0] != group.IDENTITY


def test_an_empty_box_sums_to_the_identity_and_counts_nothing(app, make):
    session, _ = _verifiable(make, [])
    assert session.ciphertext_sums == bytes(64 * verifiable.crypto_session(session).ciphertext_count)  # at close
    tally = tallying.tally_session(session, by="test")
    assert tally.document["ballots"] == {"received": 0, "valid": 0, "invalid": 0, "invalid_by_reason": {}}


@pytest.mark.parametrize(("kind", "marks"), [
    ("confidence", CONFIDENCE_MARKS),
    ("motion", [["agree"], ["agree"], ["disagree"], None, ["agree"]]),
    ("vote_of_confidence", [["khong-tin-nhiem", "tin-nhiem"], ["khong-tin-nhiem", "tin-nhiem"],
                            ["khong-tin-nhiem", "khong-tin-nhiem"], ["tin-nhiem", "tin-nhiem"]]),
])
def test_system_custody_tally_equals_the_sealed_tally_of_the_same_marks(app, make, kind, marks):
    subjects = len(marks[0])
    session, shares = _verifiable(make, marks, kind=kind, subjects=subjects)
    assert shares == []
    document = tallying.tally_session(session, by="test", committee=["Lê Văn C"]).document
    sealed = make.session(kind=kind, subjects=subjects, scheme="sealed-v2")
    ballots.open_session(sealed, by="test")
    make.tallied_session(_sealed_marks(sealed, marks), session=sealed)
    assert _results(document) == _results(sealed.tally.document)
    assert document["scheme"] == verifiable.SCHEME and document["format"] == "votingapp/tally-v1"
    assert document["decryption"]["members"] == [1]
    public = verifiable.crypto_session(session)
    assert len(b64decode(document["decryption"]["partials"][0])) == 96 * public.ciphertext_count
    blank = sum(row is None for row in marks)
    assert document["ballots"]["invalid_by_reason"] == ({"blank": blank} if blank else {})
    assert document["committee"] == ["Lê Văn C"] and session.state == SessionState.TALLIED.value


def test_the_lenient_blank_column_is_the_subjects_blank_count(app, make):
    """A phone sends a wholly unmarked ballot as the blank ballot (None), as the sealed scheme
    reads {} as blank; so only partly unmarked ballots use the column."""
    marks = [["tin-nhiem-cao", "blank"], ["blank", "tin-nhiem"], ["tin-nhiem-thap", "tin-nhiem-thap"], None,
             ["tin-nhiem-thap", "blank"]]
    session, _ = _verifiable(make, marks, policy=LENIENT)
    assert verifiable.crypto_session(session).options[-1] == "blank"
    document = tallying.tally_session(session, by="test").document
    assert [s["counts"]["blank"] for s in document["subjects"]] == [1, 2]
    sealed = make.session(policy=LENIENT, scheme="sealed-v2")
    ballots.open_session(sealed, by="test")
    make.tallied_session(_sealed_marks(sealed, marks), session=sealed)
    assert _results(document) == _results(sealed.tally.document)


def test_the_minutes_print_a_verifiable_tally(app, make):
    session, _ = _verifiable(make, CONFIDENCE_MARKS)
    document = tallying.tally_session(session, by="test").document
    assert render_minutes(document, session.board.document).startswith(b"%PDF")
    assert render_minutes_docx(document, session.board.document)[:2] == b"PK"


def test_a_changed_box_is_not_counted(app, make):
    session, _ = _verifiable(make, CONFIDENCE_MARKS)
    row = db.session.scalars(select(Ballot).where(Ballot.session_id == session.id)).first()
    db.session.delete(row)
    db.session.commit()
    with refused("conflict"):
        tallying.tally_session(session, by="test")
    assert session.state == SessionState.CLOSED.value and session.tally is None


def test_shares_are_never_typed_into_a_verifiable_tally(app, make):
    session, shares = _verifiable(make, CONFIDENCE_MARKS[:2], custody="committee", threshold=2, holders=3)
    with refused("invalid_input"):
        tallying.tally_session(session, by="test", shares=[shares[0].words, shares[1].words])
    assert session.state == SessionState.CLOSED.value


# --- committee custody: members' phones -----------------------------------------------------------

API = "/api/v1/sessions"


def test_members_send_partials_and_the_tally_waits_for_k(app, make, client):
    session, shares = _verifiable(make, CONFIDENCE_MARKS, custody="committee", threshold=2, holders=3)
    secrets = _member_secrets(session, shares)
    status = client.get(f"{API}/{session.id}/decryption").get_json()
    assert (status["threshold"], status["holders"], status["ballots"], status["members_done"]) == (2, 3, 5, [])
    assert b64decode(status["sums"]) == session.ciphertext_sums
    assert status["session"] == verifiable.crypto_session(session).to_json()

    with refused("partials_needed") as caught:
        tallying.tally_session(session, by="test")
    assert "0 of the 2" in caught.value.message_en and "0 trong 2" in caught.value.message_vi
    assert session.state == SessionState.CLOSED.value

    first = _partial_of(session, secrets[2])
    answer = client.post(f"{API}/{session.id}/partials", json={"member": 2, "partial": first})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json() == {"member": 2, "members_done": [2], "threshold": 2}
    again = client.post(f"{API}/{session.id}/partials", json={"member": 2, "partial": _partial_of(session, secrets[2])})
    assert again.status_code == 200 and again.get_json()["members_done"] == [2]
    assert db.session.get(PartialDecryption, (session.id, 2)).partial == b64decode(first)

    with refused("partials_needed") as caught:
        tallying.tally_session(session, by="test")
    assert caught.value.extra == {"members_done": [2], "threshold": 2}

    assert client.post(f"{API}/{session.id}/partials",
                       json={"member": 3, "partial": _partial_of(session, secrets[3])}).status_code == 201
    document = tallying.tally_session(session, by="test").document
    assert document["decryption"]["members"] == [2, 3]
    assert client.post(f"{API}/{session.id}/partials",
                       json={"member": 1, "partial": _partial_of(session, secrets[1])}).get_json()["error"]["code"] \
        == "already_tallied"


@pytest.mark.parametrize("bad", ["wrong member", "other share", "flipped byte", "truncated", "not b64", "member 0"])
def test_a_bad_partial_is_refused_and_nothing_stored(app, make, client, bad):
    session, shares = _verifiable(make, CONFIDENCE_MARKS[:3], custody="committee", threshold=2, holders=3)
    secrets = _member_secrets(session, shares)
    partial = _partial_of(session, secrets[1])
    body = {"member": 1, "partial": partial}
    if bad == "wrong member":
        body["member"] = 2
    elif bad == "other share":
        body["partial"] = _partial_of(session, secrets[3])
    elif bad == "flipped byte":
        raw = bytearray(b64decode(partial))
        raw[40] ^= 1
        body["partial"] = b64encode(bytes(raw))
    elif bad == "truncated":
        body["partial"] = b64encode(b64decode(partial)[:-96])
    elif bad == "not b64":
        body["partial"] = partial + "="
    else:
        body["member"] = 0
    answer = client.post(f"{API}/{session.id}/partials", json=body)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "bad_partial" and error["message_vi"] != error["message"]
    assert db.session.scalars(select(PartialDecryption)).all() == []


def test_partials_wait_for_the_close_and_need_a_committee_session(app, make, client):
    session = make.session(scheme=verifiable.SCHEME)
    ballots.open_session(session, by="test", custody="committee", threshold=2, holders=3)
    for answer in (client.get(f"{API}/{session.id}/decryption"),
                   client.post(f"{API}/{session.id}/partials", json={"member": 1, "partial": "AAAA"})):
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "session_not_closed"
    system, _ = _verifiable(make, [])
    assert client.get(f"{API}/{system.id}/decryption").get_json()["error"]["code"] == "not_applicable"
    assert client.get(f"{API}/nope/decryption").status_code == 404
    assert client.post(f"{API}/{session.id}/partials", data="[", content_type="application/json").status_code == 400


@pytest.mark.parametrize("members", list(itertools.combinations([1, 2, 3], 2)))
def test_any_two_of_three_members_give_the_same_counts(app, make, client, members):
    session, shares = _verifiable(make, CONFIDENCE_MARKS, custody="committee", threshold=2, holders=3)
    secrets = _member_secrets(session, shares)
    for member in members:
        answer = client.post(f"{API}/{session.id}/partials",
                             json={"member": member, "partial": _partial_of(session, secrets[member])})
        assert answer.status_code == 201
    document = tallying.tally_session(session, by="test").document
    assert document["decryption"]["members"] == list(members)
    assert document["ballots"] == {"received": 5, "valid": 4, "invalid": 1, "invalid_by_reason": {"blank": 1}}
    assert [s["counts"] for s in document["subjects"]] == [
        {"tin-nhiem-cao": 2, "tin-nhiem": 1, "tin-nhiem-thap": 1, "blank": 0},
        {"tin-nhiem-cao": 0, "tin-nhiem": 1, "tin-nhiem-thap": 3, "blank": 0}]
    # the published decryption proves these counts to anyone (§7 `decryption`)
    public = verifiable.crypto_session(session)
    decryption = document["decryption"]
    partials = {i: b64decode(p) for i, p in zip(decryption["members"], decryption["partials"], strict=True)}
    counts = combine_counts(public, verifiable.sums_of(session), 5, partials)
    assert counts[0] == 1 and sum(counts[1:]) == 8


def test_the_tally_api_answers_the_verifiable_document(app, make, client):
    session, _ = _verifiable(make, CONFIDENCE_MARKS)
    user, password = make.user(role="admin", organization=None)
    answer = client.post(f"{API}/{session.id}/tally", json={}, auth=(user.username, password))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["decryption"]["members"] == [1]
    assert answer.get_json()["ballots"]["invalid_by_reason"] == {"blank": 1}
