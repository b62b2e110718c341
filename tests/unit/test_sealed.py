"""sealed-v1 and sealed-v2 in Python reproduce the test vectors and reject what is not a ballot;
a sealed-v2 ballot whose epk is negated does not open."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from votingapp.crypto import sealed
from votingapp.crypto.encoding import EncodingError, b64decode, b64encode

VECTORS = Path(__file__).parents[1] / "vectors"
VECTOR_FILES = {scheme: json.loads((VECTORS / f"{scheme}.json").read_text())
                for scheme in sealed.SCHEMES}
#: every case of every scheme; case["ballot"]["scheme"] names its scheme
CASES = [case for vectors in VECTOR_FILES.values() for case in vectors["cases"]]
CASES_V2 = VECTOR_FILES["sealed-v2"]["cases"]
IDS = [f"{c['ballot']['scheme']}:{c['session_id']}" for c in CASES]


def _keys(case):
    session_key = sealed.private_key_from_int(int(case["session_private_key_hex"], 16))
    ephemeral = sealed.private_key_from_int(int(case["ephemeral_private_key_hex"], 16))
    return session_key, ephemeral


def test_vector_files_are_the_published_ones_byte_for_byte():
    """The vectors are the contract between the Python and JavaScript implementations (and any
    outside verifier): editing one to fit a changed implementation must show as a changed digest
    in tests/vectors/SHA256SUMS (`cd tests/vectors && sha256sum *.json > SHA256SUMS`)."""
    pinned = dict(reversed(line.split()) for line in (VECTORS / "SHA256SUMS").read_text().splitlines())
    present = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in VECTORS.glob("*.json")}
    assert present == pinned


def test_each_vector_file_holds_cases_of_its_own_scheme():
    for scheme, vectors in VECTOR_FILES.items():
        assert vectors["scheme"] == scheme and len(vectors["cases"]) >= 3
        assert {case["ballot"]["scheme"] for case in vectors["cases"]} == {scheme}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_seal_reproduces_vector_exactly(case):
    session_key, ephemeral = _keys(case)
    public = sealed.public_key_bytes(session_key.public_key())
    assert b64encode(public) == case["session_public_key"]
    ballot = sealed.seal(case["plaintext_utf8"].encode(), case["session_id"], public,
                         scheme=case["ballot"]["scheme"], ephemeral_key=ephemeral, nonce=b64decode(case["nonce"]))
    assert ballot.to_dict() == case["ballot"]
    assert ballot.receipt == case["receipt"]
    assert ballot.receipt[:8] == case["short_code"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vector_decrypts_to_padded_plaintext(case):
    session_key, _ = _keys(case)
    ballot = sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"])
    assert ballot.scheme == case["ballot"]["scheme"]
    assert sealed.open_sealed(ballot, case["session_id"], session_key).decode() == case["plaintext_utf8"]


@pytest.mark.parametrize("case", CASES_V2, ids=[c["session_id"] for c in CASES_V2])
def test_v2_ballot_with_negated_epk_does_not_open(case):
    session_key, _ = _keys(case)
    negated = sealed.SealedBallot.from_dict(case["negated_epk_ballot"], case["plaintext_size"], "sealed-v2")
    original = sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"], "sealed-v2")
    assert negated.epk != original.epk and negated.epk_x == original.epk_x
    assert negated.receipt != original.receipt
    with pytest.raises(sealed.DecryptionFailed):
        sealed.open_sealed(negated, case["session_id"], session_key)


@pytest.mark.parametrize("case", CASES_V2, ids=[c["session_id"] for c in CASES_V2])
def test_v1_ballot_with_negated_epk_opens_which_is_why_v2_exists(case):
    """The copying attack on sealed-v1, shown: the negated point opens to the same plaintext."""
    session_key, ephemeral = _keys(case)
    public = sealed.public_key_bytes(session_key.public_key())
    v1 = sealed.seal(case["plaintext_utf8"].encode(), case["session_id"], public, scheme="sealed-v1",
                     ephemeral_key=ephemeral, nonce=b64decode(case["nonce"]))
    negated_epk = b64decode(case["negated_epk_ballot"]["epk"])
    copy = sealed.SealedBallot(negated_epk, v1.nonce, v1.ct, "sealed-v1")
    assert copy.receipt != v1.receipt and copy.epk_x == v1.epk_x
    assert sealed.open_sealed(copy, case["session_id"], session_key).decode() == case["plaintext_utf8"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ballot_under_the_other_scheme_does_not_open(case):
    session_key, _ = _keys(case)
    ballot = sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"])
    other = next(s for s in sealed.SCHEMES if s != ballot.scheme)
    with pytest.raises(sealed.DecryptionFailed):
        sealed.open_sealed(sealed.SealedBallot(ballot.epk, ballot.nonce, ballot.ct, other), case["session_id"],
                           session_key)


def test_epk_x_is_the_32_byte_x_coordinate():
    case = CASES_V2[0]
    ballot = sealed.SealedBallot.from_dict(case["ballot"])
    assert ballot.epk_x == b64decode(case["ballot"]["epk"])[1:33] and len(ballot.epk_x) == 32


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_from_dict_with_the_session_scheme_refuses_another_scheme(case):
    scheme = case["ballot"]["scheme"]
    assert sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"], scheme).scheme == scheme
    other = next(s for s in sealed.SCHEMES if s != scheme)
    with pytest.raises(sealed.MalformedBallot) as caught:
        sealed.SealedBallot.from_dict(case["ballot"], case["plaintext_size"], other)
    assert caught.value.code == "wrong_scheme"


def test_new_sessions_seal_under_sealed_v2_by_default():
    key = sealed.generate_private_key()
    plaintext = sealed.pad_plaintext({"v": 1, "session": "s", "choices": {"a": "agree"}}, 64)
    ballot = sealed.seal(plaintext, "s", sealed.public_key_bytes(key.public_key()))
    assert sealed.CURRENT_SCHEME == ballot.scheme == "sealed-v2"
    assert sealed.open_sealed(ballot, "s", key) == plaintext


@pytest.mark.parametrize("case", CASES, ids=IDS)
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
    (lambda b: {**b, "scheme": "sealed-v3"}, "wrong_scheme"),
    (lambda b: {**b, "scheme": "verifiable-v1"}, "wrong_scheme"),
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
@pytest.mark.parametrize("scheme", [None, *sealed.SCHEMES])
def test_malformed_wire_forms_are_refused_with_a_code(mutate, code, scheme):
    case = VECTOR_FILES[scheme or "sealed-v2"]["cases"][0]
    with pytest.raises(sealed.MalformedBallot) as caught:
        sealed.SealedBallot.from_dict(mutate(dict(case["ballot"])), case["plaintext_size"], scheme)
    assert caught.value.code == code


@pytest.mark.parametrize("text", ["", "A", "AA==", "A+/b", "AAB", "zz$z", "QR", "QUJ", "A/"])
def test_b64decode_is_strict(text):
    if text == "":
        assert b64decode(text) == b""
        return
    with pytest.raises(EncodingError):
        b64decode(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ABCQRSgwxyz0189-_+/= \né", max_size=11))
def test_b64decode_accepts_only_the_one_spelling_b64encode_gives(text):
    try:
        raw = b64decode(text)
    except EncodingError:
        return
    assert b64encode(raw) == text


def test_the_sealed_v2_worked_example_of_docs_formats_states_the_vector_and_its_intermediate_values():
    """An outside client follows docs/formats.md alone: what it states must be what the code does."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    text = (Path(__file__).parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    example = text.split("### Worked example of `sealed-v2`", 1)[1].split("###", 1)[0]
    case = next(c for c in CASES_V2 if c["session_id"] == "m1")
    stated = json.loads(re.search(r"```json\n\s*(\{.*?\})\n\s*```", example, re.S).group(1))
    assert stated == case["ballot"]
    session_key, ephemeral = _keys(case)
    public, epk = (sealed.public_key_bytes(k.public_key()) for k in (session_key, ephemeral))
    z = ephemeral.exchange(ec.ECDH(), session_key.public_key())
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + public, info=b"votingapp/sealed-v2/m1").derive(z)
    flat = re.sub(r"`\s+`", "", example)  # the salt is written on two lines
    for value in (z.hex(), (epk + public).hex(), k.hex(), case["receipt"], case["negated_epk_ballot"]["epk"],
                  case["session_public_key"]):
        assert value in flat, value


def test_open_each_gives_every_ballot_its_plaintext_in_order_across_batches():
    key = sealed.generate_private_key()
    public = sealed.public_key_bytes(key.public_key())
    plaintexts = [sealed.pad_plaintext({"v": 1, "session": "s", "choices": {"a": str(i)}}, 64) for i in range(7)]
    ballots = [sealed.seal(plaintext, "s", public) for plaintext in plaintexts]
    ballots[3] = sealed.seal(plaintexts[3], "another-session", public)  # does not open here
    opened = list(sealed.Opener(key, "s").open_each(iter(ballots), batch=3))
    assert [ballot for ballot, _ in opened] == ballots
    assert [plaintext for _, plaintext in opened] == plaintexts[:3] + [None] + plaintexts[4:]
    assert sealed.Opener(key, "s").open_or_none(ballots[3]) is None


def test_chain_over_raw_receipts_is_the_chain_over_hex_receipts():
    from votingapp.crypto.board import BOARD_V2, Chain
    receipts = [hashlib.sha256(bytes([i])).digest() for i in range(5)]
    by_hex, by_digest = Chain("s", BOARD_V2), Chain("s", BOARD_V2)
    for receipt in receipts:
        by_hex.add(receipt.hex())
        by_digest.add_digest(receipt)
    assert (by_digest.head, by_digest.length) == (by_hex.head, 5)
    case = CASES[0]
    ballot = sealed.SealedBallot.from_dict(case["ballot"])
    assert ballot.digest.hex() == ballot.receipt
