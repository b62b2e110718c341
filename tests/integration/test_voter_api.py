"""The voter wire contract: lookup and cast, idempotent retries, and clear refusals that
consume no token and store nothing."""

import pytest
from sqlalchemy import func, select

from votingapp.crypto import sealed, tokens
from votingapp.models import Ballot, Token
from votingapp.services import ballots

from ..helpers import seal_choices, seal_raw

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

LOOKUP, CAST = "/api/v1/ballot/lookup", "/api/v1/ballot/cast"


@pytest.fixture
def vote(make):
    """An open two-person confidence session with three issued tokens."""
    session = make.open_session()
    issued = ballots.issue_tokens(session, 3, mode="cli", by="test")
    keys = [s.key for s in session.subjects]
    return session, issued, keys


def _choices(keys, option="tin-nhiem"):
    return {key: option for key in keys}


def _stored(db):
    return db.session.scalar(select(func.count()).select_from(Ballot))


def _token_state(db, token):
    db.session.expire_all()
    return db.session.get(Token, tokens.token_hash(token)).state


def test_lookup_returns_the_session_form(client, vote):
    session, issued, keys = vote
    response = client.post(LOOKUP, json={"token": tokens.format_token(issued[0]).lower()})
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == session.id and body["kind"] == "confidence" and body["scheme"] == "sealed-v2"
    assert [s["id"] for s in body["subjects"]] == keys
    assert [o["id"] for o in body["subjects"][0]["options"]] == ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"]
    assert sealed.load_public_key(sealed.b64decode(body["public_key"]))
    assert body["plaintext_size"] == session.plaintext_size


def test_cast_returns_receipt_and_an_identical_retry_returns_it_again(client, db, vote):
    session, issued, keys = vote
    wire = seal_choices(session, _choices(keys))
    first = client.post(CAST, json={"token": issued[0], "ballot": wire})
    assert first.status_code == 201
    receipt = first.get_json()["receipt"]
    assert receipt == sealed.SealedBallot.from_dict(wire).receipt
    again = client.post(CAST, json={"token": issued[0], "ballot": wire})
    assert again.status_code == 200 and again.get_json()["receipt"] == receipt
    assert _stored(db) == 1


def test_same_token_with_another_ballot_is_refused(client, db, vote):
    session, issued, keys = vote
    first = {"token": issued[0], "ballot": seal_choices(session, _choices(keys))}
    assert client.post(CAST, json=first).status_code == 201
    other = client.post(CAST, json={"token": issued[0],
                                    "ballot": seal_choices(session, _choices(keys, "tin-nhiem-cao"))})
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "token_used"
    assert _stored(db) == 1


def test_used_token_lookup_says_used(client, vote):
    session, issued, keys = vote
    client.post(CAST, json={"token": issued[0], "ballot": seal_choices(session, _choices(keys))})
    response = client.post(LOOKUP, json={"token": issued[0]})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "token_used"


def _bad_bodies(session, keys, token):
    good = seal_choices(session, _choices(keys))
    other_size = seal_choices(session, _choices(keys), pad_to=session.plaintext_size + 64)
    return {
        "not json": dict(data="{not json", content_type="application/json"),
        "json array": dict(json=[token]),
        "no ballot": dict(json={"token": token}),
        "ballot is a string": dict(json={"token": token, "ballot": "x"}),
        "wrong scheme": dict(json={"token": token, "ballot": {**good, "scheme": "plain"}}),
        "sealed-v1 in a sealed-v2 session": dict(json={"token": token, "ballot": sealed.seal(
            sealed.pad_plaintext({"v": 1, "session": session.id, "choices": _choices(keys)}, session.plaintext_size),
            session.id, session.public_key, scheme="sealed-v1").to_dict()}),
        "wrong base64": dict(json={"token": token, "ballot": {**good, "ct": good["ct"][:-2] + "!!"}}),
        "padded base64": dict(json={"token": token, "ballot": {**good, "nonce": good["nonce"] + "=="}}),
        "point not on curve": dict(json={"token": token, "ballot": {**good, "epk": "B" + "A" * 86}}),
        "short nonce": dict(json={"token": token, "ballot": {**good, "nonce": "AAECAwQF"}}),
        "wrong size": dict(json={"token": token, "ballot": other_size}),
        "claims another session": dict(json={"token": token, "session": "another", "ballot": good}),
        "oversize body": dict(json={"token": token, "ballot": {**good, "ct": "A" * 400_000}}),
    }


@pytest.mark.parametrize("case, status, code", [
    ("not json", 400, "malformed_request"),
    ("json array", 400, "malformed_request"),
    ("no ballot", 400, "malformed_ballot"),
    ("ballot is a string", 400, "malformed_ballot"),
    ("wrong scheme", 400, "wrong_scheme"),
    ("sealed-v1 in a sealed-v2 session", 400, "wrong_scheme"),
    ("wrong base64", 400, "malformed_ballot"),
    ("padded base64", 400, "malformed_ballot"),
    ("point not on curve", 400, "malformed_ballot"),
    ("short nonce", 400, "malformed_ballot"),
    ("wrong size", 400, "malformed_ballot"),
    ("claims another session", 409, "wrong_session"),
    ("oversize body", 413, "too_large"),
])
def test_bad_cast_gets_a_clear_error_and_consumes_no_token(client, db, vote, case, status, code):
    session, issued, keys = vote
    response = client.post(CAST, **_bad_bodies(session, keys, issued[0])[case])
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and error["message_vi"]
    assert _token_state(db, issued[0]) == "issued"
    assert _stored(db) == 0
    # the token still works afterwards
    first = {"token": issued[0], "ballot": seal_choices(session, _choices(keys))}
    assert client.post(CAST, json=first).status_code == 201


@pytest.mark.parametrize("token", ["", "AAAA-BBBB", "2" * 20, None, 42, ["x"]])
def test_unknown_or_malformed_token_is_unknown(client, vote, token):
    session, _, keys = vote
    for url, body in ((LOOKUP, {"token": token}),
                      (CAST, {"token": token, "ballot": seal_choices(session, _choices(keys))})):
        response = client.post(url, json=body)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "unknown_token"


def test_token_of_another_session_cannot_cast_a_ballot_claimed_for_this_one(client, db, make, vote):
    session, issued, keys = vote
    other = make.open_session()
    other_token = ballots.issue_tokens(other, 1, mode="cli", by="test")[0]
    response = client.post(CAST, json={"token": other_token, "session": session.id,
                                       "ballot": seal_choices(session, _choices(keys))})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wrong_session"
    assert _token_state(db, other_token) == "issued"


def test_a_ballot_after_close_is_refused_and_not_stored(client, db, vote):
    session, issued, keys = vote
    ballots.close_session(session, by="test")
    response = client.post(CAST, json={"token": issued[1], "ballot": seal_choices(session, _choices(keys))})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "session_not_open"  # the code clients know, saying it has ended
    assert "Voting has ended" in error["message"] and "Bỏ phiếu đã kết thúc" in error["message_vi"]
    assert _stored(db) == 0
    lookup = client.post(LOOKUP, json={"token": issued[1]})
    assert lookup.get_json()["error"]["code"] == "token_void"


def test_tokens_of_a_draft_session_cannot_exist(make):
    session = make.session()
    with pytest.raises(Exception) as caught:
        ballots.issue_tokens(session, 1, mode="cli", by="test")
    assert getattr(caught.value, "code", "") == "session_not_open"


def test_undecryptable_ballot_is_stored_and_later_counted_invalid(client, db, vote):
    from votingapp.services import tallying
    session, issued, keys = vote
    garbage = seal_raw(session, b"\x00" * session.plaintext_size)
    assert client.post(CAST, json={"token": issued[0], "ballot": garbage}).status_code == 201
    ballots.close_session(session, by="test")
    document = tallying.tally_session(session, by="test").document
    assert document["ballots"] == {"received": 1, "valid": 0, "invalid": 1, "invalid_by_reason": {"not_json": 1}}


def test_get_on_voter_endpoints_is_not_allowed(client):
    response = client.get(CAST)
    assert response.status_code == 405
    assert response.get_json()["error"]["message_vi"]
