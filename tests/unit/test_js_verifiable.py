"""The browser's verifiable-v1 (static/js/verifiable.bundle.js, run under node) reproduces every
shared vector byte for byte, and agrees with votingapp.crypto.verifiable in both directions:
Python checks, opens and tallies what the bundle sealed and decrypted, the bundle checks and
opens what Python sealed, and both refuse a bad ballot with the same code.

node runs the committed bundle itself, not its sources, so these tests check what phones get.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable.group import IDENTITY, L

from .. import jsbundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "js" / "verifiable.bundle.js"
CLI = ROOT / "tests" / "js" / "verifiable_cli.cjs"
VECTORS = json.loads((ROOT / "tests" / "vectors" / "verifiable-v1.json").read_text(encoding="utf-8"))
CASES = VECTORS["cases"]
NOBLE = ("@noble/curves", "@noble/hashes")
#: the wire form's ballot field in the bundle's answers
WIRE_KEY = "ballot"


def run_node(request: dict):
    return jsbundle.run_node(CLI, request)


def random_session(rng: random.Random, threshold=2, holders=3) -> tuple[V.Session, V.Dealing]:
    """Fresh keys; Vietnamese ids; a shape from a motion to a 15-subject confidence vote."""
    dealing = V.deal_keys(threshold, holders)
    subjects = [f"Nguyễn Văn {chr(0x41 + n)}-{rng.randrange(10**4)}" for n in range(rng.randint(1, 6))]
    options = rng.choice([["agree", "disagree"], ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"],
                          ["1", "2", "3", "4", "blank"]])
    return dealing.session(rng.choice(["m1", "phiên-bầu-Đoàn-Thị-Ngọc-Ánh"]), subjects, options), dealing


def random_choices(rng: random.Random, session: V.Session):
    return None if rng.random() < 0.25 else [rng.randrange(len(session.options)) for _ in session.subjects]


def test_bundle_reproduces_every_vector_exactly():
    results = run_node({"op": "vectors", "cases": CASES})
    assert len(results) == len(CASES) == 3
    for case, result in zip(CASES, results, strict=True):
        session = V.Session.from_json(case["session"])
        assert result["sctx"] == case["sctx"]
        for vector, sealed in zip(case["ballots"], result["ballots"], strict=True):
            assert sealed["wire"] == {"scheme": "verifiable-v1", WIRE_KEY: vector["ballot"]}
            assert sealed["reveal"] == vector["reveal"]
            assert sealed["receipt"] == vector["receipt"]
        assert result["opened"] == [vector["choices"] for vector in case["ballots"]]
        verified = [V.verify_ballot(session, b64decode(v["ballot"])) for v in case["ballots"]]
        sums = V.aggregate(session, [b.ciphertexts for b in verified])
        assert result["sums"] == [[b64encode(a), b64encode(b)] for a, b in sums]
        assert result["partials"] == case["tally"]["decryption"]["partials"]
        assert result["share_indices"] == [share["index"] for share in case["shares"]]


def test_python_checks_opens_and_tallies_what_the_bundle_sealed():
    rng = random.Random()
    session, dealing = random_session(rng)
    choices = [random_choices(rng, session) for _ in range(10)]
    sealed = run_node({"op": "seal", "items": [{"session": session.to_json(), "choices": c} for c in choices]})
    verified = []
    for choice, result in zip(choices, sealed, strict=True):
        ballot = V.from_wire(result["wire"])
        verified.append(V.verify_ballot(session, ballot, {a for v in verified for a in v.a_points}))
        assert result["receipt"] == V.receipt_of(ballot)
        assert V.open_spoiled(session, ballot, b64decode(result["reveal"])) == choice
    sums = V.aggregate(session, [v.ciphertexts for v in verified])
    partials = {i: V.partial_decrypt(session, dealing.shares[i - 1], sums) for i in (2, 3)}
    blank, subjects = V.counts_by_subject(session, V.tally(session, sums, len(verified), partials))
    assert blank == choices.count(None)
    assert subjects[0] == {option: sum(1 for c in choices if c is not None and c[0] == j)
                           for j, option in enumerate(session.options)}


def test_bundle_checks_and_opens_what_python_sealed():
    rng = random.Random()
    items = []
    for _ in range(6):
        session, _ = random_session(rng)
        choices = random_choices(rng, session)
        sealed = V.seal_ballot(session, choices)
        items.append({"session": session.to_json(), "wire": V.to_wire(sealed.ballot),
                      "reveal": b64encode(sealed.reveal), "choices": choices, "receipt": sealed.receipt})
    checked = run_node({"op": "verify", "items": items})
    opened = run_node({"op": "open", "items": items})
    assert [r.get("ok") for r in checked] == [item["receipt"] for item in items]
    assert [r.get("ok", "refused") for r in opened] == [item["choices"] for item in items]


def mutations(session: V.Session, ballot: bytes) -> list[bytes]:
    """One ballot for each refusal code, in the order of the checks, then random byte flips."""
    T, S = session.ciphertext_count, len(session.subjects)
    too_big = L.to_bytes(32, "little")
    flipped = [ballot[:o] + bytes([ballot[o] ^ 1]) + ballot[o + 1:]
               for o in random.Random().sample(range(len(ballot)), 12)]
    return [ballot[:-1], IDENTITY + ballot[32:], ballot[:32] + b"\xff" * 32 + ballot[64:],
            ballot[:64] + ballot[:32] + ballot[96:], ballot[:64 * T] + too_big + ballot[64 * T + 32:],
            ballot[:64 * T + 64] + bytes([ballot[64 * T + 64] ^ 1]) + ballot[64 * T + 65:],
            ballot[:192 * T + 32] + bytes([ballot[192 * T + 32] ^ 1]) + ballot[192 * T + 33:],
            ballot[:-64 * S] + too_big + ballot[-64 * S + 32:], *flipped]


def python_code(session: V.Session, ballot: bytes) -> str:
    with pytest.raises(V.BallotRefused) as caught:
        V.verify_ballot(session, ballot)
    return caught.value.code


def test_bundle_refuses_each_bad_ballot_with_the_same_code_as_python():
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    bad = mutations(session, b64decode(case["ballots"][0]["ballot"]))
    results = run_node({"op": "verify", "items": [{"session": case["session"], "wire": V.to_wire(b)} for b in bad]})
    expected = [python_code(session, b) for b in bad]
    assert expected[:8] == ["wrong_size", "bad_point", "bad_point", "duplicate_ciphertext", "bad_scalar",
                            "bad_bit_proof", "bad_row_proof", "bad_scalar"]
    assert [r.get("code") for r in results] == expected
    wrong_wire = [{"scheme": "sealed-v2", "ballot": case["ballots"][0]["ballot"]},
                  {"scheme": "verifiable-v1", "ballot": case["ballots"][0]["ballot"] + "="}, []]
    results = run_node({"op": "verify", "items": [{"session": case["session"], "wire": w} for w in wrong_wire]})
    assert [r.get("code") for r in results] == ["wrong_scheme", "malformed_ballot", "malformed_ballot"]


def test_bundle_refuses_a_wrong_reveal():
    case = CASES[0]
    vector, other = case["ballots"]
    wire = {"scheme": "verifiable-v1", "ballot": vector["ballot"]}
    results = run_node({"op": "open", "items": [{"session": case["session"], "wire": wire, "reveal": r}
                                                for r in (other["reveal"], vector["reveal"][:-2], "!")]})
    assert [r.get("code") for r in results] == ["bad_reveal"] * 3


def test_python_combines_the_partials_members_computed_in_the_bundle():
    rng = random.Random()
    session, dealing = random_session(rng, threshold=3, holders=5)
    choices = [random_choices(rng, session) for _ in range(5)]
    verified = [V.verify_ballot(session, V.seal_ballot(session, c).ballot) for c in choices]
    sums = V.aggregate(session, [v.ciphertexts for v in verified])
    members = (1, 4, 5)
    wire_sums = [[b64encode(a), b64encode(b)] for a, b in sums]
    results = run_node({"op": "partial", "items": [
        {"session": session.to_json(), "secret": dealing.shares[i - 1].to_json()["secret"], "sums": wire_sums}
        for i in members]})
    partials = {i: b64decode(r["ok"]) for i, r in zip(members, results, strict=True)}
    counts = V.tally(session, sums, len(verified), partials)
    assert counts[0] == choices.count(None)
    V.verify_counts(session, sums, len(verified), counts, partials)
    stranger = V.deal_keys(3, 5).shares[0].to_json()["secret"]
    refused = run_node({"op": "partial", "items": [{"session": session.to_json(), "secret": stranger,
                                                   "sums": wire_sums}]})
    assert refused[0].get("code") == "bad_share"


def test_bundle_uses_fresh_randomness():
    session = V.Session.from_json(CASES[0]["session"])
    results = run_node({"op": "seal", "items": [{"session": CASES[0]["session"], "choices": [0, 0, 0]}] * 4})
    ballots = [V.from_wire(r["wire"]) for r in results]
    assert len(set(ballots)) == 4 and len({r["reveal"] for r in results}) == 4
    a_points = [a for b in ballots for a in V.verify_ballot(session, b).a_points]
    assert len(set(a_points)) == len(a_points)


def test_committed_bundle_was_built_from_the_pinned_versions_and_current_source():
    package = json.loads((ROOT / "package.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    banner = jsbundle.banner(BUNDLE)
    built = dict(re.findall(r"(@?[\w/.-]+)@(\d+\.\d+\.\d+)", banner))
    for name in (*NOBLE, "esbuild"):
        assert built.get(name) == pinned[name], f"rebuild the bundle: {name} {built.get(name)} != {pinned[name]}"
    assert f"src sha256:{jsbundle.source_hash()}" in banner, "static/js/src changed: run `npm ci && npm run build`"
    for name in NOBLE:
        assert "MIT License" in (ROOT / "static" / "vendor" / "noble" / f"{name.split('/')[1]}.LICENSE").read_text()


def test_bundle_decrypts_an_empty_board_to_zero_counts():
    """Every Ā_t is then O, which noble's constant-time multiply must take like any point."""
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    sums = V.aggregate(session, [])
    wire_sums = [[b64encode(a), b64encode(b)] for a, b in sums]
    results = run_node({"op": "partial", "items": [
        {"session": case["session"], "secret": case["shares"][i - 1]["secret"], "sums": wire_sums} for i in (1, 3)]})
    partials = {i: b64decode(r["ok"]) for i, r in zip((1, 3), results, strict=True)}
    assert partials[1][:32] == IDENTITY
    assert V.tally(session, sums, 0, partials) == [0] * session.ciphertext_count
