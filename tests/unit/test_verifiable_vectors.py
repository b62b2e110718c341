"""verifiable-v1 in Python reproduces every shared vector byte for byte (sessions, shares, sctx,
ballots, reveals, receipts, partial decryptions, counts) and refuses what is not a ballot, each
with the code docs/formats.md gives, including a weak-Fiat–Shamir re-randomised copy.

tests/vectors/verifiable-v1.json is an unchanged copy of the scheme's published vectors.json
(its digest is pinned in tests/vectors/SHA256SUMS), produced by two independent implementations
(Python over libsodium, JavaScript over @noble/curves 2.4.0) that agree byte for byte.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable import group
from votingapp.crypto.verifiable.ballots import BIT_TAG
from votingapp.crypto.verifiable.group import GENERATOR, IDENTITY, L

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "verifiable-v1.json").read_text(encoding="utf-8"))
CASES = VECTORS["cases"]
IDS = [case["name"] for case in CASES]


def dealt(case) -> tuple[V.Session, V.Dealing]:
    session = case["session"]
    dealing = V.deal_keys(session["threshold"], len(session["verification_keys"]), V.TestRandom(case["key_seed"]))
    return dealing.session(session["id"], session["subjects"], session["options"]), dealing


def ballot_bytes(case, q=0) -> bytes:
    return b64decode(case["ballots"][q]["ballot"])


def flip(data: bytes, offset: int, mask: int = 1) -> bytes:
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1:]


def refusal(session, ballot, **kwargs) -> str:
    with pytest.raises(V.BallotRefused) as caught:
        V.verify_ballot(session, ballot, **kwargs)
    return caught.value.code


class Prescribed:
    """Returns the given scalars first, then fresh ones: to seal a ballot with a chosen r."""

    def __init__(self, scalars):
        self._scalars = list(scalars)

    def scalar(self) -> int:
        return self._scalars.pop(0) if self._scalars else V.SystemRandom().scalar()


def test_vectors_name_the_group_this_module_uses():
    assert b64decode(VECTORS["generator"]) == GENERATOR
    assert int(VECTORS["order"]) == L == 2**252 + 27742317777372353535851937790883648493
    assert len(CASES) == 3


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dealing_reproduces_the_session_shares_and_context(case):
    session, dealing = dealt(case)
    assert session.to_json() == case["session"]
    assert [share.to_json() for share in dealing.shares] == case["shares"]
    assert session.context().hex() == case["sctx"]
    assert V.Session.from_json(case["session"]) == session
    V.check_key_consistency(session)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sealing_reproduces_every_ballot_reveal_and_receipt(case):
    session = V.Session.from_json(case["session"])
    for vector in case["ballots"]:
        sealed = V.seal_ballot(session, vector["choices"], V.TestRandom(vector["seed"]))
        assert b64encode(sealed.ballot) == vector["ballot"]
        assert b64encode(sealed.reveal) == vector["reveal"]
        assert sealed.receipt == vector["receipt"] and len(sealed.ballot) == vector["size"] == V.ballot_size(session)
        assert V.from_wire(V.to_wire(sealed.ballot)) == sealed.ballot


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_vector_ballot_verifies_and_opens_to_its_choices(case):
    session = V.Session.from_json(case["session"])
    for vector in case["ballots"]:
        verified = V.verify_ballot(session, b64decode(vector["ballot"]))
        assert verified.receipt == vector["receipt"]
        assert V.open_spoiled(session, verified.ballot, b64decode(vector["reveal"])) == vector["choices"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tally_reproduces_the_partials_and_the_counts(case):
    session, dealing = dealt(case)
    ballots = [V.verify_ballot(session, b64decode(v["ballot"])) for v in case["ballots"]]
    sums = V.aggregate(session, [ballot.ciphertexts for ballot in ballots])
    rng = V.TestRandom(case["tally"]["decrypt_seed"])
    members = case["tally"]["decryption"]["members"]
    partials = {i: V.partial_decrypt(session, dealing.shares[i - 1], sums, rng) for i in members}
    decryption = V.Decryption(tuple(members), tuple(partials.values()))
    assert decryption.to_json() == case["tally"]["decryption"]
    assert V.Decryption.from_json(case["tally"]["decryption"]).by_member() == partials
    counts = V.tally(session, sums, len(ballots), partials)
    assert counts == case["tally"]["counts"]
    V.verify_counts(session, sums, len(ballots), counts, partials)
    expected = [0] * session.ciphertext_count
    for vector in case["ballots"]:
        for t, bit in enumerate(V.ballots.plaintext_bits(session, vector["choices"])):
            expected[t] += bit
    assert counts == expected


def test_the_spec_example_receipt():
    assert CASES[0]["ballots"][0]["choices"] == [0, 2, 1]
    receipt = V.receipt_of(ballot_bytes(CASES[0]))
    assert receipt.startswith("8c278dc7") and receipt.endswith("1e129f23")


# --- refusals, in the order of the checks -----------------------------------------------------

def test_each_check_refuses_with_its_own_code():
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    ballot = ballot_bytes(case)
    T, S = session.ciphertext_count, len(session.subjects)
    bits, rows = 64 * T, 192 * T
    assert refusal(session, ballot[:-1]) == "wrong_size"
    assert refusal(session, ballot + b"\0") == "wrong_size"
    assert refusal(session, ballot_bytes(CASES[1])) == "wrong_size"
    assert refusal(session, IDENTITY + ballot[32:]) == "bad_point"  # A_0 = O would show b in the clear
    assert refusal(session, ballot[:32] + b"\xff" * 32 + ballot[64:]) == "bad_point"  # B_0 not canonical
    assert refusal(session, ballot[:64] + ballot[:32] + ballot[96:]) == "duplicate_ciphertext"
    assert refusal(session, ballot, used_a_points={ballot[64 * 5:64 * 5 + 32]}) == "duplicate_ciphertext"
    too_big = L.to_bytes(32, "little")
    for offset in (bits, bits + 32 * (4 * T - 1), rows, rows + 64 * S - 32):
        assert refusal(session, ballot[:offset] + too_big + ballot[offset + 32:]) == "bad_scalar"
    assert refusal(session, flip(ballot, bits + 64)) == "bad_bit_proof"  # z_0 of t = 0
    assert refusal(session, flip(ballot, rows + 32)) == "bad_row_proof"  # z of s = 0
    assert V.CHECKS == ("wrong_size", "bad_point", "duplicate_ciphertext", "bad_scalar",
                        "bad_bit_proof", "bad_row_proof")


def test_a_non_canonical_point_encoding_is_refused():
    """p + x for a canonical encoding x of a small value is the same field element, not canonical."""
    session = V.Session.from_json(CASES[1]["session"])
    ballot = ballot_bytes(CASES[1])
    p = 2**255 - 19
    assert group.is_valid_point((4).to_bytes(32, "little"))  # s = 4 encodes a point
    non_canonical = (p + 4).to_bytes(32, "little")  # the same field element, spelled ≥ p
    assert not group.is_valid_point(non_canonical)
    assert refusal(session, non_canonical + ballot[32:]) == "bad_point"
    negative = (1).to_bytes(32, "little")  # odd s is a "negative" field element: never canonical
    assert refusal(session, ballot[:32] + negative + ballot[64:]) == "bad_point"


def test_every_single_byte_change_is_refused():
    """Every byte of every ciphertext, and the lowest and highest byte of every proof scalar."""
    case = CASES[1]
    session = V.Session.from_json(case["session"])
    ballot = ballot_bytes(case)
    T = session.ciphertext_count
    offsets = [*range(64 * T), *(o for start in range(64 * T, len(ballot), 32) for o in (start, start + 31))]
    codes = set()
    for offset in offsets:
        codes.add(refusal(session, flip(ballot, offset)))
    assert codes <= set(V.CHECKS) and "bad_bit_proof" in codes and "bad_row_proof" in codes


def test_ballots_are_not_spliced_across_sessions_or_ballots():
    """Every proof hashes bctx, so a valid ballot of one session fails in a twin session with
    another id, and one ciphertext swapped in from another ballot breaks every proof."""
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    twin = V.Session.from_json({**case["session"], "id": "c2"})
    assert refusal(twin, ballot_bytes(case)) == "bad_bit_proof"
    reordered = V.Session.from_json({**case["session"], "subjects": case["session"]["subjects"][::-1]})
    assert refusal(reordered, ballot_bytes(case)) == "bad_bit_proof"
    first, second = ballot_bytes(case, 0), ballot_bytes(case, 1)
    spliced = first[:64] + second[64:128] + first[128:]
    assert refusal(session, spliced) == "bad_bit_proof"


def test_wire_form_is_exactly_scheme_and_ballot():
    raw = ballot_bytes(CASES[0])
    wire = V.to_wire(raw)
    assert wire == {"scheme": "verifiable-v1", "ballot": CASES[0]["ballots"][0]["ballot"]}
    for bad, code in [([], "malformed_ballot"), ({"scheme": "sealed-v2", "ballot": wire["ballot"]}, "wrong_scheme"),
                      ({**wire, "receipt": "x"}, "malformed_ballot"),
                      ({"scheme": "verifiable-v1", "ballot": wire["ballot"] + "="}, "malformed_ballot"),
                      ({"scheme": "verifiable-v1", "ballot": 7}, "malformed_ballot")]:
        with pytest.raises(V.BallotRefused) as caught:
            V.from_wire(bad)
        assert caught.value.code == code, bad


# --- strong versus weak Fiat–Shamir -----------------------------------------------------------

def weak_bit_challenge(commitments) -> int:
    """Helios's mistake: the challenge hashes only the commitments, not the statement."""
    return group.hash_to_scalar(BIT_TAG, *commitments)


def bit_commitments(key, a, b, c0, c1, z0, z1):
    return (group.sub(group.base_mul(z0), group.mul(c0, a)), group.sub(group.mul(z0, key), group.mul(c0, b)),
            group.sub(group.base_mul(z1), group.mul(c1, a)),
            group.sub(group.mul(z1, key), group.mul(c1, group.sub(b, GENERATOR))))


def weak_bit_proof(key, v, r, rng):
    """A CDS proof exactly as §4.2 but under the weak challenge."""
    a, b = group.base_mul(r), group.add(group.base_mul(v), group.mul(r, key))
    w, e, f = rng.scalar(), rng.scalar(), rng.scalar()
    commitments = [None, None]
    commitments[v] = (group.base_mul(w), group.mul(w, key))
    commitments[1 - v] = (group.sub(group.base_mul(f), group.mul(e, a)),
                          group.sub(group.mul(f, key), group.mul(e, group.sub(b, group.base_mul(1 - v)))))
    c = weak_bit_challenge([p for pair in commitments for p in pair])
    cs, zs = [0, 0], [0, 0]
    cs[v], zs[v], cs[1 - v], zs[1 - v] = (c - e) % L, (w + (c - e) * r) % L, e, f
    return a, b, (*cs, *zs)


def rerandomise(key, a, b, proof, shift):
    """Cortier–Smyth: (A + r'·G, B + r'·H) with z_j += c_j·r' keeps every commitment."""
    c0, c1, z0, z1 = proof
    return (group.add(a, group.base_mul(shift)), group.add(b, group.mul(shift, key)),
            (c0, c1, (z0 + c0 * shift) % L, (z1 + c1 * shift) % L))


def test_a_rerandomised_copy_passes_weak_fiat_shamir_but_not_verifiable_v1():
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    key, shift = session.public_key, V.SystemRandom().scalar()

    a, b, proof = weak_bit_proof(key, 1, V.SystemRandom().scalar(), V.SystemRandom())
    copy_a, copy_b, copy_proof = rerandomise(key, a, b, proof, shift)
    assert (copy_a, copy_b) != (a, b)
    for point_a, point_b, (c0, c1, z0, z1) in ((a, b, proof), (copy_a, copy_b, copy_proof)):
        assert (c0 + c1) % L == weak_bit_challenge(bit_commitments(key, point_a, point_b, c0, c1, z0, z1))

    # The same attack on a real ballot: every ciphertext and its proof re-randomised, row proofs too.
    ballot = ballot_bytes(case)
    T, S = session.ciphertext_count, len(session.subjects)
    scalars = [int.from_bytes(ballot[i:i + 32], "little") for i in range(64 * T, len(ballot), 32)]
    cts, proofs = [], []
    for t in range(T):
        new_a, new_b, new_proof = rerandomise(key, ballot[64 * t:64 * t + 32], ballot[64 * t + 32:64 * t + 64],
                                              scalars[4 * t:4 * t + 4], shift)
        cts.append(new_a + new_b)
        proofs.extend(new_proof)
    for s in range(S):
        c, z = scalars[4 * T + 2 * s:4 * T + 2 * s + 2]
        proofs.extend((c, (z + c * shift * (1 + len(session.options))) % L))
    copy = b"".join(cts) + b"".join(group.scalar_to_bytes(x) for x in proofs)
    assert len(copy) == len(ballot) and copy != ballot
    assert refusal(session, copy) == "bad_bit_proof"


# --- keys, shares and the identity edge cases -------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_key_consistency_refuses_a_key_off_the_polynomial_or_the_identity(case):
    data = case["session"]
    keys = data["verification_keys"]
    other = b64encode(group.base_mul(12345))
    broken = [{**data, "public_key": other},
              {**data, "verification_keys": [*keys[:-1], other]},
              {**data, "verification_keys": keys[::-1]},
              {**data, "public_key": b64encode(IDENTITY)},
              {**data, "verification_keys": [b64encode(IDENTITY), *keys[1:]]}]
    for bad in broken:
        with pytest.raises(V.InvalidSession):
            V.check_key_consistency(V.Session.from_json(bad))


def test_shares_decode_to_their_member_by_matching_the_keys():
    case = CASES[2]
    session, dealing = dealt(case)
    for share, vector in zip(dealing.shares, case["shares"], strict=True):
        assert V.share_from_bytes(session, b64decode(vector["secret"])) == share
        assert V.share_from_json(session, vector) == share
        assert "secret=…" in repr(share)
    wrong_index = {**case["shares"][0], "index": 2}
    for bad in (bytes(32), L.to_bytes(32, "little"), b"\1" * 31, (1).to_bytes(32, "little")):
        with pytest.raises(V.InvalidSession):
            V.share_from_bytes(session, bad)
    with pytest.raises(V.InvalidSession):
        V.share_from_json(session, wrong_index)


def test_scalars_are_refused_at_or_above_the_order_never_reduced():
    assert group.scalar_from_bytes((L - 1).to_bytes(32, "little")) == L - 1
    for value in (L, L + 1, 2**256 - 1):
        with pytest.raises(ValueError):
            group.scalar_from_bytes(value.to_bytes(32, "little"))


def test_identity_is_a_value_not_an_error():
    """libsodium signals an identity product by −1; here O is an ordinary result."""
    assert group.base_mul(0) == IDENTITY and group.mul(0, GENERATOR) == IDENTITY
    assert group.mul(5, IDENTITY) == IDENTITY and group.base_mul(L - 1) == group.sub(IDENTITY, GENERATOR)
    assert group.is_valid_point(IDENTITY) and group.add(IDENTITY, GENERATOR) == GENERATOR


def test_a_ballot_with_some_b_equal_to_the_identity_is_valid():
    """With k = n = 1 (system custody) s is the share, so r = −1/s makes B = G + r·H = O for a 1."""
    dealing = V.deal_keys(1, 1)
    session = dealing.session("system", ["motion"], ["agree", "disagree"])
    V.check_key_consistency(session)
    r_zero = (-pow(dealing.shares[0].secret, -1, L)) % L
    draws = [V.SystemRandom().scalar() for _ in range(4)] + [r_zero]  # t = 1 (agree) draws r second
    sealed = V.seal_ballot(session, [0], Prescribed(draws))
    assert sealed.ballot[64 + 32:128] == IDENTITY
    verified = V.verify_ballot(session, sealed.ballot)
    assert V.open_spoiled(session, sealed.ballot, sealed.reveal) == [0]
    sums = V.aggregate(session, [verified.ciphertexts])
    partial = V.partial_decrypt(session, dealing.shares[0], sums)
    assert V.tally(session, sums, 1, {1: partial}) == [0, 1, 0]


def test_an_empty_board_decrypts_to_zero_counts():
    case = CASES[0]
    session, dealing = dealt(case)
    sums = V.aggregate(session, [])
    assert sums == [(IDENTITY, IDENTITY)] * session.ciphertext_count
    partials = {i: V.partial_decrypt(session, dealing.shares[i - 1], sums) for i in (1, 3)}
    assert partials[1][:32] == IDENTITY
    assert V.tally(session, sums, 0, partials) == [0] * session.ciphertext_count


# --- the tally ----------------------------------------------------------------------------------

def test_any_k_members_or_more_give_the_same_counts_and_fewer_are_refused():
    case = CASES[2]  # 3 of 5
    session, dealing = dealt(case)
    rng = random.Random(7)
    choices = [None if rng.random() < 0.2 else [rng.randrange(4) for _ in session.subjects] for _ in range(9)]
    ballots = [V.verify_ballot(session, V.seal_ballot(session, c).ballot) for c in choices]
    sums = V.aggregate(session, [b.ciphertexts for b in ballots])
    partials = {share.index: V.partial_decrypt(session, share, sums) for share in dealing.shares}
    results = [V.tally(session, sums, len(ballots), {i: partials[i] for i in members})
               for members in ((1, 2, 3), (1, 3, 5), (2, 4, 5), (1, 2, 3, 4, 5))]
    assert all(result == results[0] for result in results)
    blank, subjects = V.counts_by_subject(session, results[0])
    assert blank == choices.count(None)
    for s, counts in enumerate(subjects):
        assert counts == {option: sum(1 for c in choices if c is not None and c[s] == j)
                          for j, option in enumerate(session.options)}
    with pytest.raises(V.InvalidDecryption):
        V.tally(session, sums, len(ballots), {1: partials[1], 2: partials[2]})


def test_a_false_partial_or_count_is_refused():
    case = CASES[0]
    session, dealing = dealt(case)
    ballots = [V.verify_ballot(session, b64decode(v["ballot"])) for v in case["ballots"]]
    sums = V.aggregate(session, [b.ciphertexts for b in ballots])
    good = {i: b64decode(p) for i, p in zip(case["tally"]["decryption"]["members"],
                                            case["tally"]["decryption"]["partials"], strict=True)}
    counts = case["tally"]["counts"]
    other_d = group.add(good[1][:32], GENERATOR)  # a share shifted by G: would shift n_0 by λ_1
    for bad in ({1: other_d + good[1][32:], 2: good[2]}, {1: flip(good[1], 40), 2: good[2]},
                {1: good[2], 2: good[1]}, {1: good[1][:-1], 2: good[2]}, {1: good[1], 3: good[2]}):
        with pytest.raises(V.InvalidDecryption):
            V.verify_counts(session, sums, len(ballots), counts, bad)
    for wrong in ([counts[0] + 1, *counts[1:]], counts[:-1], [*counts[:-1], 3]):
        with pytest.raises(V.InvalidDecryption):
            V.verify_counts(session, sums, len(ballots), wrong, good)


def test_spoiled_ballot_opens_only_with_its_own_randomness():
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    ballot, reveal = ballot_bytes(case), b64decode(case["ballots"][0]["reveal"])
    other_reveal = b64decode(case["ballots"][1]["reveal"])
    for bad in (reveal[:-1], flip(reveal, 0), other_reveal, L.to_bytes(32, "little") + reveal[32:]):
        with pytest.raises(V.BallotRefused) as caught:
            V.open_spoiled(session, ballot, bad)
        assert caught.value.code == "bad_reveal"
    with pytest.raises(V.BallotRefused) as caught:
        V.open_spoiled(session, ballot, reveal, used_a_points=set(V.verify_ballot(session, ballot).a_points))
    assert caught.value.code == "duplicate_ciphertext"


def test_fresh_ballots_round_trip_and_never_repeat_randomness():
    session, _ = dealt(CASES[0])
    sealed = [V.seal_ballot(session, [1, 1, 1]) for _ in range(3)]
    assert len({s.ballot for s in sealed}) == 3
    a_points = [V.verify_ballot(session, s.ballot).a_points for s in sealed]
    assert len({a for points in a_points for a in points}) == 3 * session.ciphertext_count
    assert all(V.open_spoiled(session, s.ballot, s.reveal) == [1, 1, 1] for s in sealed)
    with pytest.raises(ValueError):
        V.seal_ballot(session, [1, 1])
    with pytest.raises(ValueError):
        V.seal_ballot(session, [0, 3, 0])


def test_a_decryption_document_lists_members_once_in_increasing_order():
    decryption = CASES[0]["tally"]["decryption"]
    for bad in ({**decryption, "members": decryption["members"][::-1]},
                {**decryption, "members": [1, 1]}, {**decryption, "partials": decryption["partials"][:1]},
                {"members": [1, 2]}, {**decryption, "partials": ["!", "?"]}):
        with pytest.raises(V.InvalidDecryption):
            V.Decryption.from_json(bad)


def test_a_malformed_session_is_refused():
    data = CASES[0]["session"]
    for bad in ({**data, "subjects": "DV00001"}, {**data, "threshold": 4}, {**data, "threshold": 0},
                {**data, "public_key": data["public_key"] + "A"}, {**data, "subjects": []},
                {k: v for k, v in data.items() if k != "id"}, {**data, "options": [1, 2]}, []):
        with pytest.raises(V.InvalidSession):
            V.Session.from_json(bad)


def test_loading_the_group_leaves_no_copy_of_libsodium_behind(tmp_path):
    """rbcl writes its bundled libsodium to a temporary file at each import; group.py deletes it."""
    import subprocess
    import sys
    code = "import votingapp.crypto.verifiable.group as g, tempfile; print(tempfile.gettempdir()); g.base_mul(1)"
    done = subprocess.run([sys.executable, "-c", code], env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path)
    assert list(tmp_path.iterdir()) == []
