"""The browser's sealed-v1 and sealed-v2 (static/js/sealed.bundle.js, run under node) and the
server's (votingapp.crypto.sealed) agree byte for byte, in both directions; a sealed-v2 ballot
whose epk is negated does not open in the browser either.

node runs the committed bundle itself, not its sources, so these tests check what phones get.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import pytest

from votingapp.crypto import sealed
from votingapp.crypto.encoding import b64encode

from .. import jsbundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "js" / "sealed.bundle.js"
CLI = ROOT / "tests" / "js" / "sealed_cli.cjs"
VECTORS = {scheme: json.loads((ROOT / "tests" / "vectors" / f"{scheme}.json").read_text(encoding="utf-8"))
           for scheme in sealed.SCHEMES}
NOBLE = ("@noble/curves", "@noble/hashes", "@noble/ciphers")

SESSION_IDS = ["2f6b1c2e-0000-4000-8000-000000000001", "S-2026-ĐẢNG-01", "phiên-bầu-Đoàn-Thị-Ngọc-Ánh", "m1"]
OPTION_IDS = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap", "agree", "disagree", "abstain", "ý-kiến-khác"]


def run_node(request: dict):
    return jsbundle.run_node(CLI, request)


def random_ballots(rng: random.Random, count: int) -> list[dict]:
    """Fresh session keys and random choices, Vietnamese ids included."""
    ballots = []
    for _ in range(count):
        key = sealed.generate_private_key()
        session_id = rng.choice(SESSION_IDS)
        choices = {f"đv-{n}-{rng.randrange(10**6)}": rng.choice(OPTION_IDS) for n in range(rng.randint(1, 12))}
        ballots.append({"key": key, "session_id": session_id, "choices": choices, "scheme": rng.choice(sealed.SCHEMES),
                        "public_key": b64encode(sealed.public_key_bytes(key.public_key())),
                        "plaintext_size": 64 * rng.randint(12, 20)})
    return ballots


def document_of(ballot: dict) -> dict:
    return {"v": 1, "session": ballot["session_id"], "choices": ballot["choices"]}


@pytest.mark.parametrize("scheme", sealed.SCHEMES)
def test_bundle_reproduces_every_vector_exactly_and_opens_it(scheme):
    cases = VECTORS[scheme]["cases"]
    results = run_node({"op": "vectors", "cases": cases})
    assert len(results) == len(cases) >= 3
    for case, result in zip(cases, results, strict=True):
        assert result["ballot"] == case["ballot"], case["session_id"]
        assert result["ballot"]["scheme"] == scheme
        assert result["receipt"] == case["receipt"]
        assert result["receipt"][:8] == case["short_code"]
        assert result["opened_vector"] == case["plaintext_utf8"]


def test_bundle_refuses_to_open_each_v2_ballot_with_a_negated_epk():
    cases = VECTORS["sealed-v2"]["cases"]
    results = run_node({"op": "vectors", "cases": cases})
    for case, result in zip(cases, results, strict=True):
        assert "plaintext" not in result["opened_negated"], case["session_id"]
        assert "invalid tag" in result["opened_negated"]["error"].lower(), result["opened_negated"]


def test_bundle_opens_what_python_sealed():
    ballots = random_ballots(random.Random(), 12)
    items = []
    for ballot in ballots:
        plaintext = sealed.pad_plaintext(document_of(ballot), ballot["plaintext_size"])
        wire = sealed.seal(plaintext, ballot["session_id"], sealed.public_key_bytes(ballot["key"].public_key()),
                           scheme=ballot["scheme"])
        items.append({"wire": wire.to_dict(), "session_id": ballot["session_id"],
                      "private_key_hex": sealed.private_key_bytes(ballot["key"]).hex()})
        ballot["plaintext"] = plaintext
    opened = run_node({"op": "open", "items": items})
    assert [text.encode() for text in opened] == [ballot["plaintext"] for ballot in ballots]


def test_python_opens_what_the_bundle_sealed_to_the_same_padded_plaintext():
    ballots = random_ballots(random.Random(), 12)
    results = run_node({"op": "seal", "items": [
        {key: ballot[key] for key in ("session_id", "public_key", "plaintext_size", "choices", "scheme")}
        for ballot in ballots]})
    for ballot, result in zip(ballots, results, strict=True):
        wire = sealed.SealedBallot.from_dict(result["ballot"], ballot["plaintext_size"], ballot["scheme"])
        assert result["receipt"] == wire.receipt
        opened = sealed.open_sealed(wire, ballot["session_id"], ballot["key"])
        assert opened == sealed.pad_plaintext(document_of(ballot), ballot["plaintext_size"])


def test_bundle_uses_fresh_ephemeral_keys_and_nonces():
    ballot = random_ballots(random.Random(), 1)[0]
    item = {key: ballot[key] for key in ("session_id", "public_key", "plaintext_size", "choices", "scheme")}
    results = run_node({"op": "seal", "items": [item] * 8})
    assert len({r["ballot"]["epk"] for r in results}) == 8
    assert len({r["ballot"]["nonce"] for r in results}) == 8
    assert len({len(r["ballot"]["ct"]) for r in results}) == 1


def banner() -> str:
    return jsbundle.banner(BUNDLE)


def test_committed_bundle_was_built_from_the_pinned_versions():
    package = json.loads((ROOT / "package.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    built = dict(re.findall(r"(@?[\w/.-]+)@(\d+\.\d+\.\d+)", banner()))
    for name in (*NOBLE, "esbuild"):
        assert re.fullmatch(r"\d+\.\d+\.\d+", pinned[name]), f"{name} must be pinned to an exact version"
        assert built.get(name) == pinned[name], f"rebuild the bundle: {name} {built.get(name)} != {pinned[name]}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name in NOBLE:
        assert lock["packages"][f"node_modules/{name}"]["version"] == pinned[name]


def test_committed_bundle_was_built_from_the_current_source():
    assert f"src sha256:{jsbundle.source_hash()}" in banner(), "static/js/src changed: run `npm ci && npm run build`"


def test_committed_voter_script_was_built_from_the_current_source():
    """The page loads static/js/voter.js, minified from static/js/src/voter.js by `npm run build`."""
    source_hash = hashlib.sha256((ROOT / "static" / "js" / "src" / "voter.js").read_bytes()).hexdigest()[:16]
    first_line = (ROOT / "static" / "js" / "voter.js").read_text(encoding="utf-8").splitlines()[0]
    assert f"src sha256:{source_hash} static/js/src/voter.js" in first_line, \
        "src/voter.js changed: run `npm ci && npm run build`"


def test_the_bundles_p256_is_noble_nist_p256():
    """sealed.mjs builds P-256 from its own copy of the curve's numbers (build.mjs compares them
    with @noble/curves too): the committed bundle exports them; here they meet the standard's."""
    curve = run_node({"op": "curve"})
    assert curve == {"p": hex(2**256 - 2**224 + 2**192 + 2**96 - 1),
                     "n": "0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
                     "h": "0x1", "a": hex(2**256 - 2**224 + 2**192 + 2**96 - 4),
                     "b": "0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
                     "Gx": "0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                     "Gy": "0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"}


def test_warming_up_runs_with_and_without_a_session():
    key = sealed.generate_private_key()
    session = {"sessionId": "m1", "publicKey": b64encode(sealed.public_key_bytes(key.public_key())),
               "plaintextSize": 512, "scheme": "sealed-v2"}
    assert run_node({"op": "warm_up", "session": session}) is True


def test_each_bundled_library_ships_its_licence():
    for name in NOBLE:
        licence = ROOT / "static" / "vendor" / "noble" / f"{name.split('/')[1]}.LICENSE"
        assert "MIT License" in licence.read_text(), licence
