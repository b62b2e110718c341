"""sealed-v1 in Python reproduces the shared vectors and rejects what is not a ballot."""

import json
from pathlib import Path

import pytest

from votingapp.crypto import sealed
from votingapp.crypto.encoding import EncodingError, b64decode, b64encode

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "sealed-v1.json").read_text())
CASES = VECTORS["cases"]
SHARED = Path(__file__).parents[3] / "shared" / "vectors" / "sealed-v1.json"


def _keys(case):
    session_key = sealed.private_key_from_int(int(case["session_private_key_hex"], 16))
    ephemeral = sealed.private_key_from_int(int(case["ephemeral_private_key_hex"], 16))
    return session_key, ephemeral


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this clone")
def test_vendored_vectors_equal_the_shared_ones():
    assert json.loads(SHARED.read_text()) == VECTORS


@pytest.mark.parametrize("case", CASES, ids=[c["session_id"] for c in CASES])
def test_seal_reproduces_vector_exactly(case):
    session_key, ephemeral = _keys(case)
    public = sealed.public_key_bytes(session_key.public_key())
    assert b64encode(public) == case["session_public_key"]
    ballot = sealed.seal(case["plaintext_utf8"].encode(), case["session_id"], public,
                         ephemeral_key=ephemeral, nonce=b64decode(case["nonce"]))
    assert ballot.to_dict() == case["ballot"]
    assert ballot.receipt == case["receipt"]
    assert ballot.receipt[:8] == case["short_code"]


@pytest.mark.parametrize("case", CASES, ids=[c["session_id"] for c in CASES])
def test_vector_decrypts_to_padded_plaintext(case):
    session_key, _ = _keys(case)
    ballot = sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"])
    assert sealed.open_sealed(ballot, case["session_id"], session_key).decode() == case["plaintext_utf8"]


@pytest.mark.parametrize("case", CASES, ids=[c["session_id"] for c in CASES])
def test_pad_plaintext_gives_the_vector_plaintext(case):
    document = json.loads(case["plaintext_utf8"])
    assert sealed.pad_plaintext(document, case["plaintext_size"]).decode() == case["plaintext_utf8"]


def test_ballot_for_another_session_does_not_open():
    case = CASES[0]
    session_key, _ = _keys(case)
    ballot = sealed.SealedBallot.from_dict(case["ballot"])
    with pytest.raises(sealed.DecryptionFailed):
        sealed.open_sealed(ballot, "another-session", session_key)


def test_ciphertext_length_does_not_depend_on_choices():
    key = sealed.generate_private_key()
    public = sealed.public_key_bytes(key.public_key())
    short = sealed.pad_plaintext({"v": 1, "session": "s", "choices": {"a": "agree"}}, 128)
    long = sealed.pad_plaintext({"v": 1, "session": "s", "choices": {"a": "disagree"}}, 128)
    assert len(sealed.seal(short, "s", public).ct) == len(sealed.seal(long, "s", public).ct) == 128 + 16


def test_pad_refuses_a_plaintext_longer_than_the_session_allows():
    with pytest.raises(ValueError):
        sealed.pad_plaintext({"v": 1, "session": "s", "choices": {"a" * 200: "x"}}, 64)


@pytest.mark.parametrize("mutate, code", [
    (lambda b: {**b, "scheme": "sealed-v2"}, "wrong_scheme"),
    (lambda b: {k: v for k, v in b.items() if k != "scheme"}, "wrong_scheme"),
    (lambda b: {k: v for k, v in b.items() if k != "ct"}, "malformed_ballot"),
    (lambda b: {**b, "extra": 1}, "malformed_ballot"),
    (lambda b: {**b, "epk": b["epk"] + "="}, "malformed_ballot"),
    (lambda b: {**b, "epk": b["epk"][:-4]}, "malformed_ballot"),
    (lambda b: {**b, "epk": "B" + "A" * 86}, "malformed_ballot"),       # 65 bytes, not on the curve
    (lambda b: {**b, "nonce": b["nonce"][:8]}, "malformed_ballot"),
    (lambda b: {**b, "ct": b["ct"][:-3]}, "malformed_ballot"),
    (lambda b: {**b, "ct": b["ct"].replace("-", "+")}, "malformed_ballot"),
    (lambda b: {**b, "nonce": 12}, "malformed_ballot"),
    (lambda b: [b], "malformed_ballot"),
])
def test_malformed_wire_forms_are_refused_with_a_code(mutate, code):
    case = CASES[0]
    with pytest.raises(sealed.MalformedBallot) as caught:
        sealed.SealedBallot.from_dict(mutate(dict(case["ballot"])), case["plaintext_size"])
    assert caught.value.code == code


@pytest.mark.parametrize("text", ["", "A", "AA==", "A+/b", "AAB", "zz$z"])
def test_b64decode_is_strict(text):
    if text == "":
        assert b64decode(text) == b""
        return
    with pytest.raises(EncodingError):
        b64decode(text)
