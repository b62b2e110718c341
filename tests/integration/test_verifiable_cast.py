"""verifiable-v1 at the door: the lookup a phone seals from, the cast checked by §4.6 before the
token is spent, every A_t once per session under concurrency, and the Benaloh check (spoil)."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from votingapp.crypto.encoding import b64encode
from votingapp.crypto.verifiable import group
from votingapp.crypto.verifiable.ballots import to_wire
from votingapp.models import Ballot, CiphertextKey, SpoiledBallot, Token, TokenState
from votingapp.services import ballots, verifiable
from votingapp.services.simulation import VoterError, post_json

from ..helpers import refused, seal_verifiable

LOOKUP, CAST, SPOIL = "/api/v1/ballot/lookup", "/api/v1/ballot/cast", "/api/v1/ballot/spoil"
HIGH, MID, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"


@pytest.fixture
def session(make):
    return _open(make)


def _open(make, **kw):
    session = make.session(scheme=verifiable.SCHEME, **kw)
    ballots.open_session(session, by="test")
    return session


def _choices(session, *options) -> dict:
    return dict(zip((s.key for s in session.subjects), options, strict=True))


def _token(session) -> str:
    [token] = ballots.issue_tokens(session, 1, mode="api", by="test")
    return token


def _counts(db, session) -> tuple[int, int, int]:
    db.session.rollback()  # see what the request committed
    count = lambda model: db.session.scalar(select(func.count()).select_from(model)  # noqa: E731
                                            .where(model.session_id == session.id))
    return count(Ballot), count(CiphertextKey), count(SpoiledBallot)


def _token_row(db, token) -> Token:
    from votingapp.crypto import tokens
    db.session.rollback()
    return db.session.get(Token, tokens.token_hash(tokens.normalize_token(token)))


class _FixedDraw:
    """A randomness source whose `at`-th scalar (from 0) is `value`: ballots that differ yet
    share one ciphertext's A_t (what a phone reusing r, or a copier, would send)."""

    def __init__(self, at: int, value: int):
        self.at, self.value, self.drawn, self.system = at, value, 0, group.SystemRandom()

    def scalar(self) -> int:
        self.drawn += 1
        return self.value if self.drawn - 1 == self.at else self.system.scalar()


# --- lookup ----------------------------------------------------------------------------------

def test_lookup_gives_the_crypto_session_and_the_board_options(client, make):
    session = _open(make, policy="qd96-2023-lenient")
    answer = client.post(LOOKUP, json={"token": _token(session)}).get_json()
    public = verifiable.crypto_session(session)
    assert answer["scheme"] == "verifiable-v1" and answer["plaintext_size"] is None
    assert answer["verifiable"] == public.to_json()
    assert answer["public_key"] == b64encode(public.public_key)
    for subject in answer["subjects"]:
        assert [o["id"] for o in subject["options"]] == [HIGH, MID, LOW, "blank"]
        assert subject["options"][-1] == {"id": "blank", "label": "Không đánh dấu", "label_en": "Unmarked"}


def test_lookup_of_a_sealed_session_is_as_before(client, make):
    session = make.session(scheme="sealed-v2")
    ballots.open_session(session, by="test")
    answer = client.post(LOOKUP, json={"token": _token(session)}).get_json()
    assert answer["scheme"] == "sealed-v2" and answer["plaintext_size"] == session.plaintext_size
    assert "verifiable" not in answer


# --- cast --------------------------------------------------------------------------------------

def test_a_cast_is_stored_with_its_ciphertexts_and_an_identical_retry_gets_the_same_receipt(client, db, session):
    token, sealed_ballot = _token(session), seal_verifiable(session, _choices(session, HIGH, LOW))
    wire = to_wire(sealed_ballot.ballot)
    first = client.post(CAST, json={"token": token, "ballot": wire})
    assert first.status_code == 201
    assert first.get_json() == {"receipt": sealed_ballot.receipt, "short_code": sealed_ballot.receipt[:8]}
    again = client.post(CAST, json={"token": token, "ballot": wire})
    assert (again.status_code, again.get_json()) == (200, first.get_json())

    T = verifiable.crypto_session(session).ciphertext_count
    assert _counts(db, session) == (1, T, 0)
    row = db.session.get(Ballot, sealed_ballot.receipt)
    a_0 = sealed_ballot.ballot[:32]
    assert (row.scheme, bytes(row.ct), bytes(row.epk), bytes(row.epk_x), bytes(row.nonce)) == \
        ("verifiable-v1", sealed_ballot.ballot, a_0, a_0, b"")
    stored = {bytes(p) for p in db.session.scalars(select(CiphertextKey.a_point)
                                                  .where(CiphertextKey.session_id == session.id))}
    assert stored == {sealed_ballot.ballot[64 * t:64 * t + 32] for t in range(T)}
    assert _token_row(db, token).state == TokenState.USED.value


def test_another_ballot_with_the_same_token_is_token_used(session):
    token = _token(session)
    ballots.cast_ballot(token, to_wire(seal_verifiable(session, _choices(session, HIGH, HIGH)).ballot))
    with refused("token_used"):
        ballots.cast_ballot(token, to_wire(seal_verifiable(session, _choices(session, LOW, LOW)).ballot))


def test_a_blank_ballot_is_cast_like_any_other(session, db):
    ballots.cast_ballot(_token(session), to_wire(seal_verifiable(session, None).ballot))
    assert _counts(db, session)[0] == 1


def _tampered(raw: bytes, T: int, S: int, code: str) -> bytes:
    """A ballot that fails exactly check `code` of §4.6 (and none before it)."""
    scalars = 64 * T
    if code == "wrong_size":
        return raw[:-1]
    if code == "bad_point":
        return raw[:64] + b"\xff" * 32 + raw[96:]  # A_1 not a canonical encoding
    if code == "duplicate_ciphertext":
        return raw[:64] + raw[:32] + raw[96:]  # A_1 = A_0: a phone that reused r
    if code == "bad_scalar":
        return raw[:scalars] + b"\xff" * 32 + raw[scalars + 32:]  # c_0 of ciphertext 0 ≥ l
    at = (scalars + 128 * (T - 1) + 64 if code == "bad_bit_proof"  # z_0 of the last bit proof, its low byte
          else scalars + 128 * T + 32 * (2 * S - 1))  # z of the last row proof
    return raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:]


@pytest.mark.parametrize("code", ["wrong_size", "bad_point", "duplicate_ciphertext", "bad_scalar", "bad_bit_proof",
                                  "bad_row_proof"])
def test_each_check_of_4_6_refuses_with_its_code_spending_and_storing_nothing(client, db, session, code):
    public = verifiable.crypto_session(session)
    raw = _tampered(seal_verifiable(session, _choices(session, MID, LOW)).ballot, public.ciphertext_count,
                    len(public.subjects), code)
    token = _token(session)
    answer = client.post(CAST, json={"token": token, "ballot": to_wire(raw)})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == code and error["message"] and error["message_vi"]
    assert error["message_vi"] != error["message"]
    assert _counts(db, session) == (0, 0, 0)
    assert _token_row(db, token).state == TokenState.ISSUED.value
    # and the phone's next, honest ballot is cast with the same token
    assert client.post(CAST, json={"token": token, "ballot": to_wire(
        seal_verifiable(session, _choices(session, MID, LOW)).ballot)}).status_code == 201


def test_a_wire_ballot_of_the_wrong_shape_keeps_the_contract_codes(session):
    token = _token(session)
    raw = seal_verifiable(session, None).ballot
    with refused("wrong_scheme"):
        ballots.cast_ballot(token, {"scheme": "sealed-v2", "ballot": b64encode(raw)})
    with refused("malformed_ballot"):
        ballots.cast_ballot(token, {"scheme": "verifiable-v1", "ballot": b64encode(raw) + "="})
    with refused("malformed_ballot"):
        ballots.cast_ballot(token, {"scheme": "verifiable-v1", "ballot": b64encode(raw), "extra": 1})


def test_an_a_t_already_cast_is_refused_as_a_duplicate_ciphertext(session, db):
    value = group.SystemRandom().scalar()
    first = seal_verifiable(session, _choices(session, HIGH, HIGH), rng=_FixedDraw(8, value))  # r_2
    copy = seal_verifiable(session, _choices(session, LOW, LOW), rng=_FixedDraw(8, value))
    assert first.ballot[128:160] == copy.ballot[128:160] and first.receipt != copy.receipt
    ballots.cast_ballot(_token(session), to_wire(first.ballot))
    token = _token(session)
    with refused("duplicate_ciphertext"):
        ballots.cast_ballot(token, to_wire(copy.ballot))
    with refused("duplicate_ballot"):  # the very ballot in the box, with another token
        ballots.cast_ballot(token, to_wire(first.ballot))
    assert _counts(db, session)[0] == 1 and _token_row(db, token).state == TokenState.ISSUED.value


def test_an_identical_retry_whose_twin_lands_between_read_and_check_gets_the_same_receipt(app, session, db,
                                                                                         monkeypatch):
    """The retry read the token still issued; its twin committed before the retry's §4.6
    check found the A_t used: the answer is the twin's receipt (200), not duplicate_ballot."""
    token, sealed_ballot = _token(session), seal_verifiable(session, _choices(session, HIGH, LOW))
    wire, twin, started = to_wire(sealed_ballot.ballot), [], threading.Event()
    checked_ballot = verifiable.checked_ballot

    def cast_in_another_thread():  # its own connection, as a second server thread
        with app.app_context():
            return ballots.cast_ballot(token, wire)

    def twin_lands_first(connection, session_id, raw):
        if not started.is_set():  # the first request only: the twin checks as usual
            started.set()
            with ThreadPoolExecutor(1) as other_request:
                twin.append(other_request.submit(cast_in_another_thread).result())
        return checked_ballot(connection, session_id, raw)

    monkeypatch.setattr(verifiable, "checked_ballot", twin_lands_first)
    assert ballots.cast_ballot(token, wire) == (sealed_ballot.receipt, False)
    assert twin == [(sealed_ballot.receipt, True)]
    assert _counts(db, session)[0] == 1


def _all_at_once(base_url: str, path: str, bodies: list[dict]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(bodies))

    def send(body):
        barrier.wait()
        try:
            status, answer = post_json(f"{base_url}{path}", body)
            return status, answer["receipt"]
        except VoterError as error:
            return error.status, error.code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


@pytest.mark.parametrize("at", [0, 4])  # A_0 (also the ballots row's epk_x) and A_1 (ciphertext_keys only)
def test_twenty_concurrent_ballots_sharing_one_a_t_store_exactly_one(make, db, live_server, at):
    session = _open(make, meeting=make.meeting(members=20))
    value = group.SystemRandom().scalar()
    sealed = [seal_verifiable(session, _choices(session, HIGH, MID), rng=_FixedDraw(at, value)) for _ in range(20)]
    assert len({s.receipt for s in sealed}) == 20
    issued = ballots.issue_tokens(session, 20, mode="api", by="test")
    outcomes = _all_at_once(live_server, CAST, [{"token": token, "ballot": to_wire(s.ballot)}
                                                for token, s in zip(issued, sealed, strict=True)])
    assert Counter(status for status, _ in outcomes) == {201: 1, 422: 19}, outcomes
    assert {code for status, code in outcomes if status == 422} == {"duplicate_ciphertext"}
    [accepted] = [receipt for status, receipt in outcomes if status == 201]
    T = verifiable.crypto_session(session).ciphertext_count
    assert _counts(db, session) == (1, T, 0)
    assert set(db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session.id))) == {accepted}
    spent = db.session.scalar(select(func.count()).select_from(Token).where(Token.session_id == session.id,
                                                                             Token.state == TokenState.USED.value))
    assert spent == 1


# --- the Benaloh check -------------------------------------------------------------------------

def _spoil(client, token, sealed_ballot, reveal=None):
    return client.post(SPOIL, json={"token": token, "ballot": to_wire(sealed_ballot.ballot),
                                    "reveal": b64encode(sealed_ballot.reveal if reveal is None else reveal)})


def test_a_checked_ballot_is_opened_published_and_can_never_be_cast(client, db, session):
    token, checked = _token(session), seal_verifiable(session, _choices(session, LOW, HIGH))
    answer = _spoil(client, token, checked)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    keys = [s.key for s in session.subjects]
    assert answer.get_json() == {"receipt": checked.receipt, "short_code": checked.receipt[:8], "blank": False,
                                 "choices": [{"subject": keys[0], "option": LOW}, {"subject": keys[1], "option": HIGH}]}
    row = _token_row(db, token)
    assert (row.state, row.spoils, row.receipt_mac) == (TokenState.ISSUED.value, 1, None)
    stored = db.session.get(SpoiledBallot, checked.receipt)
    assert (bytes(stored.ballot), bytes(stored.reveal), stored.session_id) == \
        (checked.ballot, checked.reveal, session.id)
    T = verifiable.crypto_session(session).ciphertext_count
    assert _counts(db, session) == (0, T, 1)

    cast = client.post(CAST, json={"token": token, "ballot": to_wire(checked.ballot)})
    assert (cast.status_code, cast.get_json()["error"]["code"]) == (422, "duplicate_ciphertext")
    assert _token_row(db, token).state == TokenState.ISSUED.value
    # the same check again (an answer lost on the way) is answered again, not counted again
    assert _spoil(client, token, checked).get_json() == answer.get_json()
    assert _token_row(db, token).spoils == 1
    # the phone seals afresh, and that one is cast
    assert client.post(CAST, json={"token": token, "ballot": to_wire(
        seal_verifiable(session, _choices(session, LOW, HIGH)).ballot)}).status_code == 201


def test_an_identical_check_whose_twin_lands_between_check_and_store_is_answered_and_counted_once(
        app, db, session, monkeypatch):
    """Both copies of one check passed §4.6 before either stored it: the second finds the
    first's A_t at its INSERT, and answers as the first did instead of duplicate_ciphertext."""
    token, checked = _token(session), seal_verifiable(session, _choices(session, LOW, HIGH))
    wire, reveal = to_wire(checked.ballot), b64encode(checked.reveal)
    twin, started = [], threading.Event()
    opened_spoil = verifiable.opened_spoil

    def check_in_another_thread():  # its own connection, as a second server thread
        with app.app_context():
            return ballots.spoil_ballot(token, wire, reveal)

    def twin_stores_first(connection, session_id, raw, reveal_bytes):
        spoil = opened_spoil(connection, session_id, raw, reveal_bytes)
        if not started.is_set():  # the first request only: the twin checks and stores as usual
            started.set()
            with ThreadPoolExecutor(1) as other_request:
                twin.append(other_request.submit(check_in_another_thread).result())
        return spoil

    monkeypatch.setattr(verifiable, "opened_spoil", twin_stores_first)
    answer = ballots.spoil_ballot(token, wire, reveal)
    assert twin == [answer] and answer["receipt"] == checked.receipt
    assert _token_row(db, token).spoils == 1
    assert _counts(db, session)[2] == 1


def test_a_blank_ballot_checked_says_blank(client, session):
    answer = _spoil(client, _token(session), seal_verifiable(session, None)).get_json()
    assert answer["blank"] is True and all(choice["option"] is None for choice in answer["choices"])


def test_a_fourth_check_is_refused(client, db, session):
    token = _token(session)
    for _ in range(verifiable.MAX_SPOILS):
        assert _spoil(client, token, seal_verifiable(session, _choices(session, MID, MID))).status_code == 200
    fourth = _spoil(client, token, seal_verifiable(session, _choices(session, MID, MID)))
    assert (fourth.status_code, fourth.get_json()["error"]["code"]) == (409, "too_many_checks")
    assert _counts(db, session)[2] == verifiable.MAX_SPOILS
    assert client.post(CAST, json={"token": token, "ballot": to_wire(
        seal_verifiable(session, _choices(session, MID, MID)).ballot)}).status_code == 201


def test_a_reveal_that_does_not_open_the_ballot_is_refused(client, db, session):
    token, checked = _token(session), seal_verifiable(session, _choices(session, MID, MID))
    other = seal_verifiable(session, _choices(session, MID, MID))
    for reveal in (other.reveal, checked.reveal[:-32], b"\xff" * len(checked.reveal)):
        answer = _spoil(client, token, checked, reveal)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "bad_reveal")
    answer = client.post(SPOIL, json={"token": token, "ballot": to_wire(checked.ballot), "reveal": "not base64!"})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "bad_reveal")
    assert _counts(db, session) == (0, 0, 0) and _token_row(db, token).spoils == 0


def test_a_check_runs_4_6_first(client, db, session):
    token, checked = _token(session), seal_verifiable(session, _choices(session, MID, MID))
    public = verifiable.crypto_session(session)
    bad = _tampered(checked.ballot, public.ciphertext_count, len(public.subjects), "bad_bit_proof")
    answer = client.post(SPOIL, json={"token": token, "ballot": to_wire(bad), "reveal": b64encode(checked.reveal)})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "bad_bit_proof")


def test_a_cast_ballot_cannot_be_checked_and_a_used_token_checks_nothing(client, session):
    token, cast = _token(session), seal_verifiable(session, _choices(session, MID, MID))
    assert client.post(CAST, json={"token": token, "ballot": to_wire(cast.ballot)}).status_code == 201
    again = _spoil(client, token, seal_verifiable(session, _choices(session, MID, MID)))
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "token_used")
    other = _spoil(client, _token(session), cast)
    assert (other.status_code, other.get_json()["error"]["code"]) == (409, "duplicate_ballot")


def test_a_sealed_session_has_nothing_to_check(client, make):
    session = make.session(scheme="sealed-v2")
    ballots.open_session(session, by="test")
    other = _open(make)
    answer = _spoil(client, _token(session), seal_verifiable(other, None))
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "not_applicable")


def test_no_check_once_the_session_is_closed(client, session):
    token = _token(session)
    ballots.close_session(session, by="test")
    answer = _spoil(client, token, seal_verifiable(session, None))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] in ("token_void", "session_not_open")


# --- secrecy -----------------------------------------------------------------------------------

def test_cast_and_check_log_nothing_of_the_ballot_or_the_token(client, session, caplog):
    caplog.set_level(logging.DEBUG)
    token, checked, cast = _token(session), seal_verifiable(session, _choices(session, LOW, LOW)), \
        seal_verifiable(session, _choices(session, HIGH, LOW))
    assert _spoil(client, token, checked).status_code == 200
    assert client.post(CAST, json={"token": token, "ballot": to_wire(cast.ballot)}).status_code == 201
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token, checked.receipt, cast.receipt, checked.receipt[:8], cast.receipt[:8],
                   b64encode(checked.ballot)[:40], b64encode(cast.ballot)[:40], b64encode(checked.reveal)[:40]):
        assert secret not in logs


def test_the_new_tables_keep_no_time_or_order(db):
    for model in (CiphertextKey, SpoiledBallot, Token, Ballot):
        for column in model.__table__.columns:
            assert not any(word in column.name for word in ("time", "_at", "created", "order", "seq")), column
            assert column.autoincrement is not True or not column.primary_key or model is Token, column
    assert db.metadata.tables["ciphertext_keys"].dialect_options["sqlite"]["with_rowid"] is False
    assert db.metadata.tables["spoiled_ballots"].dialect_options["sqlite"]["with_rowid"] is False



# --- a simulated room --------------------------------------------------------------------------

def test_a_simulated_room_seals_verifiable_ballots_as_phones_do(make, db, live_server):
    from votingapp.services.simulation import run_simulation
    session = _open(make, meeting=make.meeting(members=6))
    result = run_simulation(session, voters=6, base_url=live_server, seed=3, invalid=2, concurrency=3)
    assert (result.cast, dict(result.refused), dict(result.invalid)) == (6, {}, {"blank": 2})
    assert sum(result.choices[session.subjects[0].key].values()) == 4
    T = verifiable.crypto_session(session).ciphertext_count
    assert _counts(db, session) == (6, 6 * T, 0)
